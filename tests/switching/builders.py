"""CSV files as other systems export them, and uploads of them into a clinic."""

from __future__ import annotations

from mesotrace.accounts.access import Actor
from mesotrace.accounts.models import Clinic
from mesotrace.switching import services
from mesotrace.switching.models import CsvImport
from tests.conftest import World

# A French practice-management export: French headers, dd/mm/yyyy dates, `;`, Windows line ends.
FRENCH = (
    "N° dossier;Nom;Prénom;Date de naissance;Sexe;Téléphone;Courriel;Allergies;"
    "Traitement en cours;Antécédents;Date de mesure;Poids (kg);Tour de taille (cm)\r\n"
    "D-101;Lefèvre;Hélène;03/04/1972;F;06 12 34 56 78;helene.lefevre@example.org;"
    "Lidocaïne, pénicilline;Kardégic 75 mg;Hypothyroïdie traitée;15/01/2024;68,5;84\r\n"
    "D-102;Moreau;Benoît;21/11/1980;M;;;;;Appendicectomie en 1998;;;\r\n"
    "D-103;N'Diaye;Aïssatou;1991-07-30;Femme;;;Poils de chat;;;;;\r\n"
)
# An English export from a spreadsheet: `,`, ISO dates, quoted cells holding commas.
ENGLISH = (
    "Patient ID,Last name,First name,Date of birth,Gender,Allergies,Medications,Medical history\n"
    'P-1,Okafor,Chidinma,1988-02-14,female,"latex, iodine",Apixaban 5 mg,"Asthma, mild"\n'
    "P-2,Quinn,Rory,1975-09-09,male,,,\n"
)
# Three rows, each with a problem of its own, and one that is fine.
BAD_ROWS = (
    "N° dossier;Nom;Prénom;Date de naissance;Sexe\n"
    "B-1;Garnier;Louise;31/02/1990;F\n"
    "B-2;;Paul;12/12/1985;M\n"
    "B-3;Roux;Inès;05/06/1979;Z\n"
    "B-3;Blanc;Jules;07/08/1969;M\n"
    "B-5;Petit;Anne;01/01/1970;F\n"
)


def utf8_bom(text: str) -> bytes:
    return b"\xef\xbb\xbf" + text.encode("utf-8")


def windows_1252(text: str) -> bytes:
    return text.encode("cp1252")


def owner_actor(world: World) -> Actor:
    return Actor.system("test", world.membership("owner"))


def upload(
    world: World, raw: bytes, name: str = "export.csv", clinic: Clinic | None = None
) -> CsvImport:
    return services.upload_file(owner_actor(world), clinic or world.clinic, name, raw)


def sweep_entries(world: World) -> dict[str, int]:
    """A file uploaded into clinic A, not yet imported, for the isolation sweep."""
    text = "Nom;Prénom;Date de naissance\nZyxquarantine;Hidden;01/01/1980\n"
    return {"csv_import_id": upload(world, utf8_bom(text)).pk}
