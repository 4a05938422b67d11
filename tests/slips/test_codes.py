"""Slip codes: random, readable, and a mistyped one is caught by its check character."""
from webapp.slips import codes


def test_new_codes_are_valid_distinct_and_unambiguous():
    made = {codes.new_code() for _ in range(2000)}
    assert len(made) == 2000
    for code in made:
        assert codes.is_valid(code) and len(code) == 8
        assert not set(code) & set("ILOUZ")


def test_any_single_wrong_character_is_caught():
    code = codes.new_code()
    for position in range(len(code)):
        for char in codes.ALPHABET:
            if char != code[position]:
                assert not codes.is_valid(code[:position] + char + code[position + 1:])


def test_swapping_neighbours_is_caught():
    code = codes.new_code()
    for position in range(len(code) - 1):
        swapped = code[:position] + code[position + 1] + code[position] + code[position + 2:]
        if swapped != code:
            assert not codes.is_valid(swapped)


def test_typing_is_forgiving():
    code = codes.new_code()
    typed = f" {code[:4].lower()}-{code[4:]} ".replace("0", "O").replace("1", "l")
    assert codes.normalize(typed) == code


def test_the_full_width_forms_a_chinese_keyboard_types_count():
    """７ＨＭＫ－ＦＸＢ７ typed with a Chinese IME is the slip 7HMK-FXB7, not a wrong number."""
    code = codes.new_code()
    full_width = "".join(chr(ord(ch) + 0xFEE0) for ch in code)
    assert codes.normalize(full_width[:4] + "－" + full_width[4:]) == code
    assert codes.normalize(full_width.lower()[:4] + "\u3000" + full_width[4:]) == code
    assert codes.is_valid(codes.normalize(f" {code[:4]}　{code[4:].lower()} "))
