from lcspr.cli import main

main()
