"""The leftover-English detector flags English sentences and nothing a French page may show."""

from __future__ import annotations

import pytest

from tests.project.english import Catalogue, english_lines, english_sentences, sorted_by_kind

FRENCH = [
    "Le patient a une allergie à la lidocaïne",
    "Séance de mésothérapie : lipolyse par injection, 3 séances par an",
    "Risque d\u2019infection à mycobactéries atypiques (non tuberculeuses)",
    "Effets indésirables possibles : ecchymose, œdème, érythème, nodule, nécrose cutanée.",
    "Votre rendez-vous est confirmé pour le 09/03/2026 à 14 h 30.",
    "Il a son plan de traitement, plus une note pour le praticien.",
    "Lot 4711-A, péremption 31/12/2027 — 1 200,00 €",
    "Le thé est servi in vitro, per os, en tant que mesure ; on verra.",
    "Dr Hidden Zyxquarantine",
    "ATC D11AX ; CIM-10 L90.5 ; SNOMED 404684003 ; LOINC 29463-7",
    "https://www.ansm.sante.fr/the-and-of",
    "10 mg/mL, 2 \u00d7 0,1 mL",
]
ENGLISH = [
    "The patient has an allergy to lidocaine",
    "Save your changes",
    "This plan is not signed yet.",
    "You will receive an e-mail with a link.",
    "Mesotherapy sessions for the thighs and the abdomen",
    "Don't share it with anyone.",
]


@pytest.mark.parametrize("text", FRENCH)
def test_french_text_is_not_flagged(text: str) -> None:
    assert english_sentences(f"<p>{text}</p>") == []
    assert english_lines(text) == []


@pytest.mark.parametrize("text", ENGLISH)
def test_english_text_is_flagged(text: str) -> None:
    assert english_sentences(f"<main><p>{text}</p></main>") == [text]
    assert english_lines(f"Bonjour,\n{text}\n") == [text]


def test_english_inside_lang_en_or_translate_no_is_skipped() -> None:
    page = (
        '<p>Source : <cite lang="en">Effects of the injection of <i>phosphatidylcholine</i>'
        " and deoxycholate on the fat</cite></p>"
        '<div lang="en-GB"><p>This is not yet translated.</p></div>'
        '<code translate="no">Return the value of this field</code>'
    )
    assert english_sentences(page) == []


def test_scripts_and_styles_are_not_read() -> None:
    page = "<script>if (this.value) { return the_value and not that; }</script>"
    page += "<style>/* the colour of the header is blue */</style><p>Bonjour</p>"
    assert english_sentences(page) == []


def test_attributes_a_person_reads_are_read() -> None:
    page = (
        '<img alt="Photo of the left thigh" src="x.png">'
        '<input placeholder="Type your name here" name="n">'
        '<a title="Open the record of this patient" href="/p/1">Ouvrir</a>'
        '<button aria-label="Close this dialog and go back">\u00d7</button>'
        '<input type="submit" value="Save and continue">'
        '<input type="hidden" value="the and of">'
        "<select><option>Leave it as it is</option><option>Oui</option></select>"
    )
    assert english_sentences(page) == [
        "Photo of the left thigh",
        "Type your name here",
        "Open the record of this patient",
        "Close this dialog and go back",
        "Save and continue",
        "Leave it as it is",
    ]


def test_a_one_word_message_of_the_english_interface_is_english_until_translated() -> None:
    messages = {"Cancel": "Annuler", "Patients": "Patients", "Dose": ""}
    page = "<button>Cancel</button><h1>Patients</h1><th>Dose</th><td>Annuler</td>"
    assert english_sentences(page, messages) == ["Cancel", "Dose"]


def test_a_sentence_is_told_marked_data_or_unmarked() -> None:
    catalogue = Catalogue(
        {"%(count)s sessions are left in this course.": "", "What it is:": "", "Low": ""},
        data=["Small, uncontrolled studies: whether it works is uncertain."],
    )
    kinds = sorted_by_kind(
        [
            "12 sessions are left in this course.",
            "What it is: Small, uncontrolled studies: whether it works is uncertain.",
            "Low: this is a sentence nobody marked.",
        ],
        catalogue,
    )
    assert kinds == {
        "marked": ["12 sessions are left in this course."],
        "data": ["What it is: Small, uncontrolled studies: whether it works is uncertain."],
        "unmarked": ["Low: this is a sentence nobody marked."],
    }


def test_a_message_with_its_placeholders_filled_is_english_until_translated() -> None:
    messages = {
        "Appointment at %(clinic)s": "",
        "%(zone)s (%(view)s)": "",
        "Total: %s": "Total : %s",
    }
    assert english_sentences("<p>Appointment at Clinique Lumière</p>", messages) == [
        "Appointment at Clinique Lumière"
    ]
    assert english_sentences("<p>Cuisse (face)</p><p>Total : 3</p>", messages) == []
