"""Acronyms: the words in capitals of a text in ordinary case; none from a text set in capitals."""

from __future__ import annotations

from newssearch.acronyms import acronyms


def test_the_capitals_of_ordinary_text_are_acronyms_accented_or_not() -> None:
    assert acronyms("NATO and the EU meet", "G7 talks: the IMF and OPEC") == "NATO EU IMF OPEC"
    assert acronyms("Réunion de l'OTAN à Genève avec l'ONU") == "OTAN ONU"


def test_a_text_with_one_lower_case_letter_in_ten_or_fewer_has_none() -> None:
    headline = "JAPAN HOUSING STARTS RISE IN JANUARY"  # 30 letters
    assert acronyms(headline) == ""
    assert acronyms(headline + " as expected") == "JAPAN HOUSING STARTS RISE IN JANUARY"  # 10 lower-case letters in 40
    assert acronyms("ÉTATS-UNIS: LA FED RELÈVE SES TAUX") == ""
    assert acronyms("ÉTATS-UNIS: LA FED RELÈVE SES TAUX, dit-on à Paris") == "UNIS LA FED SES TAUX"
    assert acronyms("", "1987 1988") == ""
