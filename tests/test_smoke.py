from conftest import run


def test_examples_validate(examples_root):
    result = run(examples_root, "validate")
    assert result.exit_code == 0, result.output
    assert "3 case(s) valid." in result.output
