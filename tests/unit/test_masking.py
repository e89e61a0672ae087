from services.masking import mask_account_no, mask_id_number, mask_mobile, mask_name


def test_mask_mobile():
    assert mask_mobile("13812345678") == "138****5678"
    assert mask_mobile("") == "" and mask_mobile(None) == ""
    assert mask_mobile("12345") == "*****"


def test_mask_account_no():
    assert mask_account_no("3301234567") == "330****567"
    assert mask_account_no("123") == "***"


def test_mask_name():
    assert mask_name("张小明") == "张*明"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧**娜"
    assert mask_name("张") == "*"
    assert mask_name(None) == ""


def test_mask_id_number():
    assert mask_id_number("110101199003071234") == "110***********1234"
    assert "19900307" not in mask_id_number("110101199003071234")
    assert mask_id_number("33010619850101123X").endswith("123X")
