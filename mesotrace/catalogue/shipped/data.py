"""The shipped starter catalogue, as plain literals, written from the reference review only.

Every fact names a source key from SOURCES and its mark exactly as the review
(`shared/reference/domain.md`) gives it: "V" verified in the cited source, "V2" seen
only in a secondary source, "U" unverified (shown as "unverified", never as fact).
Nothing here is a guess: where the review found nothing, the entry says so and is "U".
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

ATC = "pharmacolibrary"  # every ATC code: WHO tree as mirrored by Pharmacolibrary, so V2
NOT_FOUND = "Mesotherapy use of this compound was not confirmed in the reviewed sources."
NO_STUDY = "No study of this compound by mesotherapy was found in the reviewed sources."
TRADITIONAL = (
    "Fat-reducing effects of traditional mesotherapy ingredients are not supported in "
    "peer-reviewed studies."
)
LA_INHIBITS_LIPOLYSIS = (
    "Adding a sodium-channel-blocking local anaesthetic to a lipolytic mixture "
    "“inhibits the intended lipolysis” (Obesity Reviews 2013)."
)

SOURCES: dict[str, dict[str, Any]] = {
    "propecia-men-only": {
        "url": "https://vivacare.com/toolkit/christinebrownmd/HealthTopic/finasteride-propecia",
        "title": "Finasteride (Propecia): for male pattern hair loss in men only",
        "publisher": "Vivacare patient information (secondary source)",
    },
    "dentalcare-la-hypersensitivity": {
        "url": "https://www.dentalcare.com/en-us/professional-education/ce-courses/ce449/"
        "hypersensitivity-reactions",
        "title": "Local anesthetics: hypersensitivity reactions (continuing-education course)",
        "publisher": "dentalcare.com (secondary source)",
    },
    "finucane-2003": {
        "url": "https://readkong.com/page/eeddiittoorriiaallss-allergies-to-local-anesthetics-the-8979139",
        "title": "Finucane: Allergies to local anesthetics, the real truth (editorial), copy",
        "publisher": "Canadian Journal of Anesthesia (secondary copy)",
        "year": 2003,
    },
    "dailymed-xylocaine": {
        "url": "https://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?"
        "setid=4dd52202-8eef-4136-92dd-ada573b7cf74",
        "title": "Xylocaine (lidocaine HCl, with and without epinephrine) label",
        "publisher": "DailyMed, US National Library of Medicine",
    },
    "xylocaine-pi-canada": {
        "url": "https://kipdf.com/prescribing-information_5adc521c7f8b9a62308b4612.html",
        "title": "Xylocaine parenteral solutions: product monograph (AstraZeneca Canada, 2016), "
        "mirror",
        "publisher": "kipdf (secondary copy)",
        "year": 2016,
    },
    "dailymed-novocain": {
        "url": "https://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?"
        "setid=c80c810a-60e0-49bd-139c-95aec3a286fc",
        "title": "Novocain (procaine HCl) label",
        "publisher": "DailyMed, US National Library of Medicine",
    },
    "druglib-novocain": {
        "url": "http://www.druglib.com/druginfo/novocain/indications_dosage/",
        "title": "Novocain label, dosage (secondary copy)",
        "publisher": "DrugLib.com (secondary copy)",
    },
    "pharmacolibrary": {
        "url": "https://github.com/creative-connections/Pharmacolibrary",
        "title": "Pharmacolibrary: WHO ATC tree mirrored in an open Modelica library",
        "publisher": "creative-connections (GitHub)",
    },
    "pmc3142757": {
        "url": "https://pmc.ncbi.nlm.nih.gov/articles/PMC3142757",
        "title": "Mesotherapy review (PMC3142757)",
        "year": 2010,
    },
    "healthday-kybella": {
        "url": "https://consumer.healthday.com/cosmetic-surgery-29/cosmetic-surgery-news-157/"
        "fda-approves-kybella-for-reducing-submental-fat-698935.html",
        "title": "FDA approves Kybella for reducing submental fat",
        "publisher": "HealthDay",
        "year": 2015,
    },
    "pubmed-16681654": {
        "url": "https://pubmed.ncbi.nlm.nih.gov/16681654/",
        "title": "Mesotherapy and phosphatidylcholine/deoxycholate injections are distinct "
        "(PubMed 16681654)",
        "publisher": "PubMed",
    },
    "ecoworld-lipodissolve": {
        "url": "http://www.ecoworld.com/other/fda-issues-lipodissolve-warning-letter.html",
        "title": "FDA issues lipodissolve warning letter",
        "publisher": "EcoWorld",
    },
    "legifrance-2011-382": {
        "language": "fr",
        "url": "http://legifrance.gouv.fr/affichTexte.do?cidTexte=JORFTEXT000023845272",
        "title": "Décret n° 2011-382 du 11 avril 2011",
        "publisher": "Légifrance",
        "year": 2011,
    },
    "conseil-etat-349431": {
        "language": "fr",
        "url": "https://affairesjuridiques.aphp.fr/textes/"
        "conseil-detat-17-fevrier-2012-n-349431-actes-a-visee-esthetique-reglementation",
        "title": "Conseil d'État, 17 février 2012, n° 349431: actes à visée esthétique",
        "publisher": "AP-HP, Affaires juridiques",
        "year": 2012,
    },
    "cnep-2012": {
        "url": "http://cnep-france.fr/UMM/?p=171",
        "title": "Return into force of the injection-lipolysis ban (1 March 2012)",
        "publisher": "CNEP",
    },
    "obes-rev-2013": {
        "url": "https://doi.org/10.1111/obr.12049",
        "title": "Jayasinghe, Guillot, Bissoon, Greenway: lipolytic and ablative body "
        "mesotherapy (doi 10.1111/obr.12049)",
        "publisher": "Obesity Reviews",
        "year": 2013,
    },
    "kybella-label": {
        "url": "https://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?"
        "setid=fe431ed4-ea6f-4e99-b4bc-ec25ae7b8553",
        "title": "Kybella (deoxycholic acid) label",
        "publisher": "DailyMed, US National Library of Medicine",
    },
    "kybella-label-120ty": {
        "url": "http://www.120ty.net/bencandy.php?fid=134&id=35740",
        "title": "Kybella label (mirror, secondary source)",
    },
    "kybella-safety": {
        "url": "https://www.refineaestheticsllc.com/injectables/kybella-safety-info/",
        "title": "Kybella safety information (label adverse reactions)",
        "publisher": "Refine Aesthetics",
    },
    "dc-abdominal-study": {
        "url": "https://discovery.researcher.life/article/action-of-sodium-deoxycholate-on-"
        "subcutaneous-human-tissue-local-and-systemic-effects/e7721f7a0f2232369984001d3c8503f8",
        "title": "Action of sodium deoxycholate on subcutaneous human tissue: local and "
        "systemic effects",
    },
    "kybella-phase3": {
        "url": "http://health-fts.blogspot.com/2015/05/fda-approves-treatment-for-fat-below.html",
        "title": "FDA approves treatment for fat below the chin (phase 3 trials, 1,022 adults)",
        "year": 2015,
    },
    "wikipedia-injection-lipolysis": {
        "url": "https://en.wikipedia.org/wiki/Injection_lipolysis",
        "title": "Injection lipolysis",
        "publisher": "Wikipedia",
    },
    "skininc-2010": {
        "url": "http://www.skininc.com/spabusiness/regulations/90211897.html?page=2",
        "title": "FDA warning letters over lipodissolve claims (7 April 2010)",
        "publisher": "Skin Inc.",
        "year": 2010,
    },
    "anvisa-lipostabil": {
        "language": "pt",
        "url": "https://www.unimedgoiania.coop.br/wps/portal/noticias-antigas/"
        "6146_medicamento-usado-para-fins-esteticos-nao-tem-registro-no-brasil",
        "title": "Medicamento usado para fins estéticos não tem registro no Brasil",
        "publisher": "Unimed Goiânia",
    },
    "actasdermo-2017": {
        "url": "https://actasdermo.org/en-intense-local-reaction-at-sites-articulo-S1578219017303384",
        "title": "Intense local reaction at injection sites (PC 5% + L-carnitine 1%)",
        "publisher": "Actas Dermo-Sifiliográficas",
        "year": 2017,
    },
    "eimc-m-abscessus-pc": {
        "url": "https://elsevier.es/es-revista-enfermedades-infecciosas-microbiologia-clinica-"
        "english-428-articulo-abdominal-violaceous-skin-lesions-47-year-old-S2529993X18302235",
        "title": "Abdominal violaceous skin lesions in a 47-year-old woman (M. abscessus after "
        "phosphatidylcholine injections)",
        "publisher": "Enfermedades Infecciosas y Microbiología Clínica",
    },
    "wikisum-injection-lipolysis": {
        "url": "https://wikisum.wiki/wiki/Injection_lipolysis",
        "title": "Injection lipolysis (summary)",
        "publisher": "WikiSum",
    },
    "park-2008": {
        "url": "https://pubmed.ncbi.nlm.nih.gov/18349597/",
        "title": "Park et al.: split-thigh trial of aminophylline, buflomedil and lidocaine "
        "mesotherapy",
        "publisher": "Plastic and Reconstructive Surgery 2008;121:179e",
        "year": 2008,
    },
    "slideplayer-meso": {
        "url": "https://slideplayer.com/slide/231940/",
        "title": "Mesotherapy slide deck (agents, contraindications, aftercare)",
        "publisher": "SlidePlayer",
    },
    "seme-homeopathic": {
        "language": "es",
        "url": "http://seme.org/revista/articulos/"
        "resultados-de-la-mesoterapia-homeopatica-en-el-tratamiento-de-adiposidades-localizadas",
        "title": "Resultados de la mesoterapia homeopática en el tratamiento de adiposidades "
        "localizadas",
        "publisher": "Sociedad Española de Medicina Estética (SEME)",
    },
    "studylib-peru-ntm": {
        "url": "https://studylib.es/doc/5459627/",
        "title": "Rapidly growing mycobacteria after mesotherapy, Lima (case series)",
        "publisher": "Studylib",
    },
    "redorbit-cdc": {
        "url": "http://www.redorbit.com/news/health/301801/"
        "mesotherapy_can_lead_to_prolonged_skin_reactions/",
        "title": "Mesotherapy can lead to prolonged skin reactions (CDC outbreak report)",
        "publisher": "redOrbit",
    },
    "pmc10173235": {
        "url": "https://pmc.ncbi.nlm.nih.gov/articles/PMC10173235/",
        "title": "Androgenetic alopecia treatments: FDA-approved options and off-label use",
    },
    "pubmed-35118130": {
        "url": "https://pubmed.ncbi.nlm.nih.gov/35118130/",
        "title": "Paradoxical patchy alopecia after dutasteride mesotherapy (PubMed 35118130)",
    },
    "marzban-2017": {
        "url": "https://htainaction.tums.ac.ir/index.php/hta/article/view/8",
        "title": "Marzban et al.: systematic review of mesotherapy for hair loss",
        "year": 2017,
    },
    "pubmed-19577328": {
        "url": "https://pubmed.ncbi.nlm.nih.gov/19577328/",
        "title": "Patchy alopecia with a residual cicatricial area after mesoglycan "
        "(PubMed 19577328)",
    },
    "sapphireroots": {
        "url": "https://sapphireroots.com/procedures/non-surgical/mesotherapy.php",
        "title": "Mesotherapy for hair (clinic page)",
        "publisher": "Sapphire Roots",
    },
    "jocd-12320": {
        "url": "https://doi.org/10.1111/jocd.12320",
        "title": "Hair loss at injection sites of mesotherapy for alopecia "
        "(doi 10.1111/jocd.12320)",
        "publisher": "Journal of Cosmetic Dermatology",
    },
    "townsend-2008": {
        "url": "https://www.townsendletter.com/May2008/mesotherapy0508.htm",
        "title": "Mesotherapy: history (Pistor, procaine, 1952)",
        "publisher": "Townsend Letter",
        "year": 2008,
    },
    "peru-procaine-vial": {
        "url": "https://doi.org/10.1590/S0034-89102008000100020",
        "title": "Outbreak of M. chelonae after mesotherapy training sessions, Lima "
        "(doi 10.1590/S0034-89102008000100020)",
        "publisher": "Revista de Saúde Pública",
        "year": 2008,
    },
    "webmd-2005": {
        "url": "http://www.webmd.com/beauty/treatments/20051110/skin-woes-from-bogus-cosmetic-procedure",
        "title": "Skin woes from bogus cosmetic procedure",
        "publisher": "WebMD",
        "year": 2005,
    },
    "costantino-2011": {
        "url": "https://pmc.ncbi.nlm.nih.gov/articles/PMC2952299/",
        "title": "Costantino et al.: mesotherapy versus systemic therapy in acute low back pain",
        "publisher": "Evidence-Based Complementary and Alternative Medicine",
        "year": 2011,
    },
    "colombia-lidocaine": {
        "url": "https://www.cambridge.org/core/journals/epidemiology-and-infection/article/"
        "iatrogenic-outbreak-of-m-chelonae-skin-abscesses/732E985F0E115DF32FE8D82E65DEAF6E",
        "title": "Iatrogenic outbreak of M. chelonae skin abscesses (Colombia)",
        "publisher": "Epidemiology and Infection",
        "year": 1996,
    },
    "dictionnaire-medical": {
        "language": "fr",
        "url": "https://www.dictionnaire-medical.net/term/43733,1,xhtml",
        "title": "Mésothérapie",
        "publisher": "Dictionnaire médical",
    },
    "doczz-french-practice": {
        "url": "http://doczz.fr/doc/718230/",
        "title": "Mésothérapie: French practice (depths, needles, products)",
        "publisher": "doczz.fr",
    },
    "mesoterapiargentina": {
        "url": "http://mesoterapiargentina.com.ar/ingles/if/if_mesoterapia.htm",
        "title": "Mesoterapia (Argentine school)",
        "publisher": "Mesoterapia Argentina",
    },
    "sim-consensus-2011": {
        "url": "https://vdocuments.us/pharmacological-sciences-2011-15-682-694-management-of-"
        "chronic-venous-lymphatic.html",
        "title": "Italian Society of Mesotherapy consensus (Eur Rev Med Pharmacol Sci "
        "2011;15:682-694)",
        "publisher": "European Review for Medical and Pharmacological Sciences",
        "year": 2011,
    },
    "konda-2013": {
        "url": "https://studyres.com/doc/8011354/mesotherapy--what-is-new%3F",
        "title": "Konda & Thappa: Mesotherapy, what is new?",
        "publisher": "Indian Journal of Dermatology, Venereology and Leprology",
        "year": 2013,
    },
    "bhub-epidermal": {
        "url": "https://pro.bhub.com.ua/en/cosmetology/classics-and-modernity-what-mesotherapy-can-do/amp",
        "title": "Classics and modernity: what mesotherapy can do",
        "publisher": "bhub",
    },
    "dermotherap": {
        "url": "http://www.dermotherap.com.ar/mesotherapy/",
        "title": "Mesotherapy: depth classes and puncture techniques (Argentine school)",
    },
    "phptraining": {
        "url": "https://phptrainingacademy.com/pain-management",
        "title": "Mesotherapy for pain management (needles, volumes per point)",
        "publisher": "PHP Training Academy",
    },
    "mesoderm-techniques": {
        "url": "https://www.mesoderm.es/mesotherapy/",
        "title": "Mesotherapy techniques (nappage, micropapules, linear, deep)",
        "publisher": "Mesoderm",
    },
    "salti-2008": {
        "url": "https://pubmed.ncbi.nlm.nih.gov/18053049/",
        "title": "Salti et al.: PC/DC versus DC alone, split-body trial",
        "publisher": "Dermatologic Surgery 2008;34:60-6",
        "year": 2008,
    },
    "rotunda-2009": {
        "url": "https://pubmed.ncbi.nlm.nih.gov/19397673/",
        "title": "Rotunda et al.: DC versus PC/DC for submental fat",
        "publisher": "Dermatologic Surgery 2009;35:792",
        "year": 2009,
    },
    "nadia-hair": {
        "url": "http://www.nadiamedicalcentre.ae/mesotherapy.html",
        "title": "Mesotherapy for hair: schedule (clinic page)",
        "publisher": "Nadia Medical Centre",
    },
    "azam-morsi-2010": {
        "url": "https://tressless.com/research/comparative-study-between-2-minoxidil-topical-spray-"
        "vs-intradermal-injection-mesotherapy-for-treatment-of-androgenetic-alopecia-in-female-"
        "patients-a-controlled-4-month-randomized-trial-PNAA",
        "title": "Azam & Morsi: minoxidil 2% by mesotherapy versus spray in women",
        "publisher": "Tressless (summary)",
        "year": 2010,
    },
    "moftah-dutasteride": {
        "url": "https://tressless.com/research/mesotherapy-using-dutasteride-containing-"
        "preparation-in-treatment-of-female-pattern-hair-loss-photographic-morphometric-and-"
        "ultrustructural-evaluation-o21j",
        "title": "Moftah et al.: dutasteride mesotherapy in female pattern hair loss",
        "publisher": "Tressless (summary)",
    },
    "gajjar-2019": {
        "url": "https://discovery.researcher.life/article/comparative-study-between-mesotherapy-"
        "and-topical-5-minoxidil-by-dermoscopic-evaluation-for-androgenic-alopecia-in-male-a-"
        "randomized-controlled-trial/6affa01926c836ee8070f3d842bf0b96",
        "title": "Gajjar et al.: mesotherapy versus topical 5% minoxidil in men",
        "publisher": "International Journal of Trichology",
        "year": 2019,
    },
    "akbas-2019": {
        "url": "https://www.painpluscpn.ca/Home/Article/93141",
        "title": "Akbas et al.: mesotherapy versus IV dexketoprofen for disc-herniation back pain",
        "publisher": "American Journal of Emergency Medicine",
        "year": 2019,
    },
    "rehab-review": {
        "url": "https://pmc.ncbi.nlm.nih.gov/articles/PMC6679691",
        "title": "Mesotherapy in rehabilitation: systematic review (7 studies)",
    },
    "cellulite-2017": {
        "url": "https://www.bellezzaclinic.com/blog/2018/5/24/efficacy-of-intradermal-mesotherapy-"
        "in-cellulite-reduction-conventional-and-high-frequency-ultrasound-monitoring-results",
        "title": "Efficacy of intradermal mesotherapy in cellulite reduction (J Cosmet Laser "
        "Ther 2017)",
        "year": 2017,
    },
    "pabau-e65": {
        "url": "https://pabau.com/diagnostic-codes/icd-10-code-e65/",
        "title": "ICD-10 code E65: localized adiposity",
        "publisher": "Pabau",
    },
    "mmwr-2005": {
        "url": "https://webarchive.library.unt.edu/eot2008/20080924160859/"
        "http:/cdc.gov/mmwr/preview/mmwrhtml/mm5444a4.htm",
        "title": "Nontuberculous mycobacterial infections after cosmetic injections "
        "(MMWR 2005;54(44):1127-30)",
        "publisher": "CDC, MMWR",
        "year": 2005,
    },
    "spain-ntm-2007": {
        "url": "https://pubmed.ncbi.nlm.nih.gov/17550571",
        "title": "Mycobacterial infections after mesotherapy in 15 women, Spain (PubMed 17550571)",
        "year": 2007,
    },
    "spain-2009-homeopathic": {
        "url": "https://doi.org/10.1016/j.eimc.2011.03.006",
        "title": "M. abscessus outbreak from homeopathic multi-dose vials, Spain 2009 "
        "(doi 10.1016/j.eimc.2011.03.006)",
    },
    "singsing-2022": {
        "url": "https://ouci.dntb.gov.ua/en/works/lmjvaLj9",
        "title": "Singsing et al.: systematic review of mesotherapy-associated NTM infections",
        "publisher": "International Journal of Women's Dermatology",
        "year": 2022,
    },
    "perifolliculitis": {
        "url": "https://docslib.org/doc/95916/rapid-development-of-perifolliculitis-following-"
        "mesotherapy",
        "title": "Rapid development of perifolliculitis following mesotherapy",
    },
    "springer-complications": {
        "url": "https://link.springer.com/chapter/10.1007/978-3-642-28415-1_9",
        "title": "Mesotherapy complications (book chapter and its reference list)",
        "publisher": "Springer",
    },
    "snomed-ph-ig": {
        "title": "SNOMED CT 2024-10 expansion in a Philippine FHIR implementation guide "
        "(as cited by the reference review; no address recorded)",
    },
    "snomed-dicom": {
        "title": "DICOM-derived SNOMED CT body-site mapping (as cited by the reference review; "
        "no address recorded)",
    },
    "snomed-public-code": {
        "title": "Published FHIR implementation guides and public code checked by the reference "
        "review (no address recorded)",
    },
    "unnamed-secondary": {
        "title": "A secondary source the reference review marks V2 without naming it",
    },
}


def _status(
    jurisdiction: str,
    status: str,
    indication: str,
    mark: str,
    source: str | None,
    as_of: str | None = None,
) -> dict[str, Any]:
    return {
        "jurisdiction": jurisdiction,
        "status": status,
        "indication": indication,
        "as_of": as_of,
        "verification": mark,
        "source": source,
    }


def _effect(
    term: str,
    mark: str,
    source: str | None,
    frequency: str = "",
    category: str = "unknown",
    serious: bool = False,
) -> dict[str, Any]:
    return {
        "term": term,
        "frequency": frequency,
        "frequency_category": category,
        "serious": serious,
        "verification": mark,
        "source": source,
    }


def _contra(kind: str, text: str, mark: str, source: str | None) -> dict[str, Any]:
    return {"kind": kind, "text": text, "verification": mark, "source": source}


def _note(kind: str, text: str, mark: str, source: str | None) -> dict[str, Any]:
    return {"kind": kind, "text": text, "verification": mark, "source": source}


FR_BAN = _status(
    "FR",
    "banned_aesthetic",
    "Lipolysis by injection for aesthetic purposes (décret n° 2011-382)",
    "V",
    "legifrance-2011-382",
    "2011-04-11",
)
US_NO_FAT_PRODUCT = _status(
    "US",
    "not_authorised",
    "Fat or cellulite reduction: no mesotherapy product is FDA-approved for it",
    "V",
    "healthday-kybella",
    "2015-04-29",
)


def _compound(
    slug: str,
    name: str,
    compound_class: str,
    purpose: str,
    *,
    synonyms: str = "",
    atc: str = "",
    atc_note: str = "",
    evidence: tuple[str, str, str, list[str]] = ("none", NO_STUDY, "U", []),
    allergens: str = "",
    lipolytic: bool = False,
    max_dose: dict[str, Any] | None = None,
    dose_limits: list[dict[str, Any]] | None = None,
    regulatory: list[dict[str, Any]] | None = None,
    adverse: list[dict[str, Any]] | None = None,
    contraindications: list[dict[str, Any]] | None = None,
    notes: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """One compound; `atc` empty means none was found (marked U), else it is V2 (see ATC)."""
    level, summary, evidence_mark, evidence_sources = evidence
    return {
        "slug": slug,
        "name": name,
        "synonyms": synonyms,
        "compound_class": compound_class,
        "atc_code": atc,
        "atc_note": atc_note or ("" if atc else "No ATC code was found in the reference review."),
        "atc_source": ATC if atc else None,
        "atc_verification": "V2" if atc else "U",
        "purpose": purpose,
        "evidence_level": level,
        "evidence_summary": summary,
        "evidence_verification": evidence_mark,
        "evidence_sources": evidence_sources,
        "allergen_keywords": allergens,
        "is_lipolytic": lipolytic,
        "max_dose": max_dose,
        "dose_limits": dose_limits or [],
        "regulatory": regulatory or [],
        "adverse": adverse or [],
        "contraindications": contraindications or [],
        "notes": notes or [],
    }


def _limit(
    kind: str,
    amount: str,
    mark: str,
    source: str | None,
    *,
    ceiling_mg: str | None = None,
    epinephrine: str = "any",
    note: str = "",
) -> dict[str, Any]:
    """A dose limit in drug amount: mg per session, mg/kg (with a ceiling), mg per injection,
    or a number of injections per session."""
    return {
        "kind": kind,
        "amount": Decimal(amount),
        "ceiling_mg": Decimal(ceiling_mg) if ceiling_mg else None,
        "epinephrine": epinephrine,
        "note": note,
        "verification": mark,
        "source": source,
    }


LIDOCAINE_REDUCED = (
    " Adults: doses are reduced for children, the elderly, the debilitated and in cardiac or "
    "liver disease, where no adult figure applies."
)


def _use(text: str, mark: str, source: str | None) -> dict[str, Any]:
    return _note("use", text, mark, source)


NOT_FOUND_USE = _use(NOT_FOUND, "U", None)
TRADITIONAL_EVIDENCE = ("none", TRADITIONAL, "V", ["pubmed-16681654"])
BACK_PAIN_TRIAL_EVIDENCE = (
    "low",
    "Part of the mixture in a low-back-pain trial (84 people) that did as well as "
    "systemic treatment, with no significant difference.",
    "V",
    ["costantino-2011"],
)
SKIN_AGEING_CONSENSUS_EVIDENCE = (
    "low",
    "The Italian Society of Mesotherapy consensus (2011) lists facial skin ageing "
    "among uses with demonstrated efficacy; no trial of this compound was reviewed.",
    "V",
    ["sim-consensus-2011"],
)
# Reported for the mixture of both, so listed under each of them.
PC_CARNITINE_REACTION = _effect(
    "Intense eosinophilic local reaction with purpuric plaques and blisters "
    "(PC 5% + L-carnitine 1%)",
    "V",
    "actasdermo-2017",
    "about 1 week after injection",
)
ANAESTHETIC_CAUTION = _note("caution", LA_INHIBITS_LIPOLYSIS, "V", "obes-rev-2013")

COMPOUNDS: list[dict[str, Any]] = [
    # --- Local fat and cellulite (domain.md §1a) ---
    _compound(
        "deoxycholic-acid",
        "Deoxycholic acid (sodium deoxycholate)",
        "synthetic",
        "A bile acid that acts as a detergent and destroys fat cells. Approved in the US as "
        "Kybella only for moderate-to-severe fat under the chin; it is also the fat-dissolving "
        "part of PC/DC “lipodissolve” mixtures.",
        synonyms="sodium deoxycholate, DC, Kybella",
        atc="D11AX24",
        evidence=(
            "high",
            "Two phase 3 randomised trials in 1,022 adults found reductions of fat under the "
            "chin more often than with placebo; the FDA approved it for that area only.",
            "V",
            ["kybella-phase3", "healthday-kybella"],
        ),
        allergens="deoxycholic acid, deoxycholate, Kybella",
        lipolytic=True,
        dose_limits=[
            _limit(
                "per_session",
                "100",
                "V",
                "kybella-label",
                note="Label, one treatment: up to 50 injections of 0.2 mL of 10 mg/mL, 10 mL "
                "in all, so 100 mg.",
            ),
            _limit(
                "injections",
                "50",
                "V",
                "kybella-label",
                note="Label: up to 50 injections, 1 cm apart, per treatment.",
            ),
            _limit(
                "per_injection",
                "2",
                "V",
                "kybella-label",
                note="Label: 0.2 mL of 10 mg/mL per injection (2 mg/cm²).",
            ),
        ],
        regulatory=[
            _status(
                "US",
                "approved",
                "Moderate-to-severe submental fat (Kybella, Kythera)",
                "V",
                "healthday-kybella",
                "2015-04-29",
            ),
            _status(
                "US",
                "off_label",
                "Any area other than under the chin: “not approved and not recommended”",
                "V",
                "healthday-kybella",
                "2015-04-29",
            ),
            FR_BAN,
        ],
        adverse=[
            _effect(
                "Haematoma or bruising",
                "V",
                "kybella-safety",
                "72% (label)",
                "very_common",
            ),
            _effect(
                "Marginal mandibular nerve injury",
                "V",
                "kybella-safety",
                "4% (label); resolved in 1 to 298 days, median 44",
                "common",
            ),
            _effect(
                "Difficulty swallowing (dysphagia)",
                "V",
                "kybella-safety",
                "2% (label); median 3 days",
                "common",
            ),
            _effect(
                "Swelling, pain, numbness, redness and hardening (induration) at the site",
                "V",
                "kybella-safety",
                "reported on the label; frequency not given in the review",
            ),
            _effect(
                "Injection-site hair loss, ulceration or necrosis",
                "V",
                "kybella-safety",
                "reported on the label; frequency not given in the review",
            ),
            _effect(
                "Intense pain, nodules at 2 weeks and fibrosis at 6 months (abdominal study)",
                "V",
                "dc-abdominal-study",
                "nodules at 2 weeks, fibrosis at 6 months",
            ),
        ],
        notes=[
            _note("caution", "Label: do not dilute or mix.", "V", "kybella-label"),
            _note(
                "evidence",
                "PC/DC injections reduce small fat collections through the detergent action "
                "of deoxycholate.",
                "V",
                "pubmed-16681654",
            ),
            _note(
                "other",
                "The phase 3 trials are reported as REFINE-1 and REFINE-2.",
                "U",
                None,
            ),
        ],
    ),
    _compound(
        "phosphatidylcholine",
        "Phosphatidylcholine (PC, soy lecithin)",
        "natural",
        "A phospholipid made from soy lecithin, usually injected with deoxycholate (PC/DC, "
        "“lipodissolve”, Lipostabil) to dissolve fat.",
        synonyms="PPC, soy lecithin, PC/DC, Lipostabil, lipodissolve",
        atc="A05BA10",
        atc_note="“Phospholipids”: the code covers liver products, not fat reduction.",
        evidence=(
            "none",
            "Split-body randomised trials found PC/DC no better than deoxycholate alone "
            "(37 women, 2008; 42 subjects, submental, 2009): the fat loss is attributed to "
            "the deoxycholate.",
            "V",
            ["salti-2008", "rotunda-2009", "pubmed-16681654"],
        ),
        allergens="soy, soya, lecithin, phosphatidylcholine, Lipostabil",
        lipolytic=True,
        regulatory=[
            _status(
                "DE",
                "approved",
                "Lipostabil (5% PC + 2.5% DC): fat embolism, dyslipidaemia and liver disease; "
                "not fat removal",
                "V2",
                "wikipedia-injection-lipolysis",
            ),
            _status(
                "US",
                "not_authorised",
                "Fat removal (“lipodissolve”): FDA warning letters on 7 April 2010 to six US "
                "medspas and a cyber letter to a Brazilian firm",
                "V",
                "skininc-2010",
                "2010-04-07",
            ),
            _status(
                "BR",
                "not_authorised",
                "Lipostabil is not registered by ANVISA, so it cannot be made, imported, sold "
                "or used; fines R$2 thousand to 1.5 million (April 2011 per a secondary source)",
                "V",
                "anvisa-lipostabil",
            ),
            FR_BAN,
        ],
        adverse=[
            _effect(
                "Mycobacterium abscessus infection and fat necrosis after abdominal injections",
                "V",
                "eimc-m-abscessus-pc",
                serious=True,
            ),
            _effect(
                "Permanent scarring, skin deformation, deep painful knots under the skin",
                "V",
                "skininc-2010",
                "reported to the FDA",
            ),
            PC_CARNITINE_REACTION,
        ],
        contraindications=[
            _contra(
                "allergy",
                "Soy allergy: phosphatidylcholine is made from soy lecithin.",
                "U",
                None,
            ),
        ],
        notes=[
            _note(
                "caution",
                "Three US societies (ASPS, ASAPS, ASDS) warned against injection lipolysis.",
                "V2",
                "wikisum-injection-lipolysis",
            ),
            _note(
                "other",
                "The FDA listed “mesotherapy, lipozap, lipotherapy, injection lipolysis” as other "
                "names for “lipodissolve”.",
                "V",
                "ecoworld-lipodissolve",
            ),
        ],
    ),
    _compound(
        "aminophylline",
        "Aminophylline",
        "synthetic",
        "A methylxanthine used in “lipolytic” mixtures meant to make fat cells release fat.",
        atc="R03DA05",
        evidence=(
            "none",
            "In a split-thigh randomised trial (20 women, 12 weeks) a mixture of aminophylline, "
            "buflomedil and lidocaine did no better than the untreated thigh: “not an effective "
            "alternative”.",
            "V",
            ["park-2008"],
        ),
        allergens="aminophylline, theophylline, methylxanthine",
        lipolytic=True,
        regulatory=[_status("*", "not_authorised", "Fat reduction", "U", None), US_NO_FAT_PRODUCT],
        notes=[
            _use(
                "Part of the aminophylline + buflomedil + lidocaine mixture in a split-thigh "
                "trial.",
                "V",
                "park-2008",
            ),
        ],
    ),
    _compound(
        "caffeine",
        "Caffeine",
        "natural",
        "A methylxanthine listed among “lipolytic” agents meant to stimulate fat breakdown.",
        atc="N06BC01, D11AX26",
        atc_note="N06BC01 systemic; D11AX26 dermatological.",
        evidence=TRADITIONAL_EVIDENCE,
        allergens="caffeine, methylxanthine",
        lipolytic=True,
        regulatory=[US_NO_FAT_PRODUCT],
        notes=[_use("Listed among lipolytic agents.", "V2", "slideplayer-meso")],
    ),
    _compound(
        "theophylline",
        "Theophylline",
        "synthetic",
        "A methylxanthine used in fat-reduction cocktails.",
        atc="R03DA04",
        evidence=TRADITIONAL_EVIDENCE,
        allergens="theophylline, methylxanthine",
        lipolytic=True,
        regulatory=[US_NO_FAT_PRODUCT],
        notes=[_use("Listed in a Spanish cocktail list.", "V", "seme-homeopathic")],
    ),
    _compound(
        "levocarnitine",
        "L-carnitine (levocarnitine)",
        "natural",
        "A nutrient used in fat-reduction cocktails.",
        synonyms="levocarnitine, carnitine",
        atc="A16AA01",
        evidence=TRADITIONAL_EVIDENCE,
        allergens="carnitine, levocarnitine",
        lipolytic=True,
        regulatory=[US_NO_FAT_PRODUCT],
        adverse=[
            PC_CARNITINE_REACTION,
        ],
        notes=[
            _use("Used in cocktails.", "V", "seme-homeopathic"),
            _note(
                "other",
                "A keyword of a Peruvian case series of mycobacterial infections after "
                "mesotherapy.",
                "V",
                "studylib-peru-ntm",
            ),
        ],
    ),
    _compound(
        "yohimbine",
        "Yohimbine",
        "natural",
        "A plant alkaloid listed as a “lipolytic” agent.",
        atc="G04BE04",
        evidence=TRADITIONAL_EVIDENCE,
        allergens="yohimbine",
        lipolytic=True,
        regulatory=[US_NO_FAT_PRODUCT],
        notes=[_use("Listed as lipolytic.", "V2", "slideplayer-meso")],
    ),
    _compound(
        "collagenase",
        "Collagenase",
        "enzyme",
        "An enzyme that breaks down collagen, used in body-mesotherapy cocktails.",
        atc="D03BA02, M09AB02",
        atc_note="D03BA02 topical; M09AB02 collagenase Clostridium histolyticum.",
        evidence=TRADITIONAL_EVIDENCE,
        allergens="collagenase",
        notes=[_use("Listed in cocktails.", "V", "seme-homeopathic")],
    ),
    _compound(
        "hyaluronidase",
        "Hyaluronidase",
        "enzyme",
        "An enzyme that breaks down hyaluronic acid, used in body-mesotherapy cocktails.",
        atc="B06AA03",
        evidence=TRADITIONAL_EVIDENCE,
        allergens="hyaluronidase",
        notes=[_use("Listed in cocktails.", "V", "seme-homeopathic")],
    ),
    _compound(
        "artichoke-extract",
        "Artichoke extract (Cynara)",
        "natural",
        "A plant extract listed as “trophic” in body-mesotherapy mixtures.",
        synonyms="Cynara, artichoke",
        evidence=TRADITIONAL_EVIDENCE,
        allergens="artichoke, cynara, asteraceae",
        regulatory=[
            _status(
                "US",
                "not_authorised",
                "Subcutaneous injection: artichoke and thuja extracts were injected in a CDC-"
                "investigated outbreak; none is FDA-approved for subcutaneous injection",
                "V",
                "redorbit-cdc",
            ),
        ],
        notes=[_use("Listed as “trophic”.", "V2", "slideplayer-meso")],
    ),
    _compound(
        "organic-silicon",
        "Organic silicon",
        "other",
        "A silicon compound (mineral) used in body-mesotherapy cocktails, e.g. Conjonctyl.",
        synonyms="Conjonctyl, silicium organique",
        evidence=TRADITIONAL_EVIDENCE,
        allergens="silicon, silicium, Conjonctyl",
        notes=[
            _use("Listed in cocktails.", "V", "seme-homeopathic"),
            _use("Listed among body-mesotherapy agents.", "V2", "slideplayer-meso"),
        ],
    ),
    _compound(
        "homeopathic-injectables",
        "Homeopathic injectables",
        "other",
        "Homeopathic preparations for injection, authorised for mesotherapy in Spain.",
        atc_note="Not applicable to homeopathic preparations.",
        evidence=(
            "none",
            "No study of these preparations by mesotherapy was found in the reviewed sources.",
            "U",
            [],
        ),
        allergens="homeopathic",
        regulatory=[
            _status(
                "ES",
                "approved",
                "Mesotherapy: AEMPS-approved homeopathic injectables under RD 2208/1994",
                "V",
                "seme-homeopathic",
            ),
        ],
        adverse=[
            _effect(
                "Mycobacterium abscessus infections from contaminated multi-dose vials "
                "(Spain 2009: 17 of 77 treated at one clinic; product withdrawn, factory line "
                "suspended)",
                "V",
                "spain-2009-homeopathic",
                "outbreak",
                serious=True,
            ),
        ],
    ),
    # --- Hair loss (domain.md §1b) ---
    _compound(
        "minoxidil",
        "Minoxidil",
        "synthetic",
        "A vasodilator approved as a topical treatment for pattern hair loss; injected into "
        "the scalp by mesotherapy off-label.",
        atc="C02DC01, D11AX01",
        atc_note="C02DC01 systemic; D11AX01 dermatological.",
        evidence=(
            "low",
            "A 2017 systematic review (5 studies, 344 patients, poor quality) suggests a "
            "benefit of hair mesotherapy but calls for more research. A 2019 trial in 49 men "
            "found mesotherapy no better than topical 5% minoxidil except for hair-shaft "
            "diameter.",
            "V",
            ["marzban-2017", "gajjar-2019"],
        ),
        allergens="minoxidil",
        regulatory=[
            _status(
                "US",
                "approved",
                "Androgenetic alopecia, as a topical product",
                "V",
                "pmc10173235",
            ),
            _status(
                "US", "off_label", "Injected (mesotherapy) use for hair loss", "V", "pmc10173235"
            ),
        ],
        notes=[
            _use("Compared with topical minoxidil in randomised trials.", "V", "gajjar-2019"),
            _note(
                "evidence",
                "In 60 women, minoxidil 2% by mesotherapy did better than the spray on "
                "self-evaluation and trichogram.",
                "V2",
                "azam-morsi-2010",
            ),
        ],
    ),
    _compound(
        "dutasteride",
        "Dutasteride",
        "synthetic",
        "A 5-alpha-reductase inhibitor injected into the scalp for pattern hair loss (off-label).",
        atc="G04CB02",
        evidence=(
            "low",
            "In female pattern hair loss (126 patients, treatment versus control), dutasteride "
            "mesotherapy improved hair density and thickness.",
            "V2",
            ["moftah-dutasteride"],
        ),
        allergens="dutasteride, 5-alpha-reductase inhibitor",
        regulatory=[
            _status(
                "US",
                "off_label",
                "Hair loss: only topical minoxidil and oral finasteride are FDA-approved for "
                "androgenetic alopecia",
                "V",
                "pmc10173235",
            ),
        ],
        adverse=[
            _effect(
                "Paradoxical patchy non-scarring hair loss (one case with skin atrophy)",
                "V",
                "pubmed-35118130",
                "2 cases reported",
            ),
        ],
    ),
    _compound(
        "finasteride",
        "Finasteride",
        "synthetic",
        "A 5-alpha-reductase inhibitor approved by mouth for pattern hair loss; injected use is "
        "off-label.",
        atc="G04CB01, D11AX10",
        atc_note="G04CB01 systemic; D11AX10 dermatological.",
        evidence=(
            "low",
            "Included in a 2017 systematic review of hair mesotherapy (5 studies, 344 "
            "patients, poor quality) that suggests a benefit but calls for more research.",
            "V",
            ["marzban-2017"],
        ),
        allergens="finasteride, 5-alpha-reductase inhibitor",
        regulatory=[
            _status(
                "US",
                "approved",
                "Male pattern hair loss in men only, taken by mouth (Propecia); not for women "
                "or children",
                "V2",
                "propecia-men-only",
            ),
            _status(
                "US", "off_label", "Injected (mesotherapy) use for hair loss", "V", "pmc10173235"
            ),
        ],
        notes=[_use("Included in the 2017 systematic review.", "V", "marzban-2017")],
    ),
    _compound(
        "mesoglycan",
        "Mesoglycan",
        "natural",
        "A natural heparinoid used in scalp mixtures.",
        allergens="mesoglycan, heparinoid",
        adverse=[
            _effect(
                "Patchy hair loss leaving a residual scarred (cicatricial) area",
                "V",
                "pubmed-19577328",
            ),
        ],
    ),
    _compound(
        "biotin",
        "Biotin (vitamin B7)",
        "vitamin",
        "A B vitamin used in hair cocktails.",
        synonyms="vitamin B7, vitamin H",
        atc="A11HA05",
        allergens="biotin",
        notes=[_use("Used in hair cocktails (clinic page).", "V2", "sapphireroots")],
    ),
    _compound(
        "dexpanthenol",
        "Dexpanthenol (provitamin B5)",
        "vitamin",
        "A vitamin B5 derivative.",
        synonyms="panthenol, provitamin B5",
        atc="A11HA30, D03AX03",
        allergens="dexpanthenol, panthenol",
        notes=[NOT_FOUND_USE],
    ),
    # --- Sports injuries and pain (domain.md §1c) ---
    _compound(
        "procaine",
        "Procaine",
        "anaesthetic",
        "An ester local anaesthetic: Pistor's original mesotherapy drug (1952).",
        synonyms="procaine hydrochloride",
        atc="N01BA02, C05AD05, S01HA05",
        atc_note="N01BA02 local anaesthetic; also C05AD05 and S01HA05.",
        allergens="procaine, ester anaesthetic, local anaesthetic, local anesthetic",
        dose_limits=[
            _limit(
                "per_session",
                "350",
                "V2",
                "druglib-novocain",
                note="Novocain label, infiltration: “350 mg to 600 mg is generally considered to "
                "be a single safe total dose”; the lower figure is enforced. Doses are reduced "
                "for the elderly, the debilitated and in cardiac or liver disease.",
            ),
        ],
        regulatory=[
            _status(
                "US",
                "approved",
                "Subcutaneous use: the only substance approved for subcutaneous injection among "
                "those used in the 2005 Washington DC outbreak",
                "V2",
                "webmd-2005",
            ),
        ],
        adverse=[
            _effect(
                "Mycobacterium chelonae infection: the organism grew from a procaine vial "
                "(Lima outbreak, 2004-2005)",
                "V",
                "peru-procaine-vial",
                "outbreak: 35 suspected cases",
                serious=True,
            ),
        ],
        contraindications=[
            _contra("allergy", "Allergy to procaine or other ester local anaesthetics.", "U", None)
        ],
        notes=[
            _use("Pistor's original drug (1952).", "V", "townsend-2008"),
            _use(
                "French description: the mixture “always contains procaine or xylocaine”.",
                "V2",
                "dictionnaire-medical",
            ),
            ANAESTHETIC_CAUTION,
        ],
    ),
    _compound(
        "lidocaine",
        "Lidocaine",
        "anaesthetic",
        "An amide local anaesthetic, used in pain mixtures and to reduce injection pain.",
        synonyms="lignocaine, xylocaine",
        atc="N01BB02",
        evidence=(
            "low",
            "In a randomised trial of 84 people with acute low back pain, mesotherapy with "
            "lidocaine, ketoprofen and methylprednisolone worked as well as systemic treatment, "
            "with no significant difference. The effect of lidocaine alone was not studied.",
            "V",
            ["costantino-2011"],
        ),
        allergens="lidocaine, lignocaine, xylocaine, amide anaesthetic, local anaesthetic, "
        "local anesthetic",
        dose_limits=[
            _limit(
                "per_kg",
                "4.5",
                "V",
                "dailymed-xylocaine",
                ceiling_mg="300",
                epinephrine="without",
                note="Xylocaine label, without epinephrine: keep below 300 mg and never above "
                "4.5 mg/kg. Lidocaine from every product of a session adds up." + LIDOCAINE_REDUCED,
            ),
            _limit(
                "per_kg",
                "7",
                "V",
                "dailymed-xylocaine",
                ceiling_mg="500",
                epinephrine="with",
                note="Xylocaine label, with epinephrine: keep below 500 mg and never above "
                "7 mg/kg." + LIDOCAINE_REDUCED,
            ),
        ],
        adverse=[
            _effect(
                "Mycobacterial skin abscesses (M. chelonae subsp. abscessus): a Colombian outbreak "
                "was traced to contaminated lidocaine carpules",
                "V",
                "colombia-lidocaine",
                "232 people with lesions; onset median 30.5 days (15-59)",
                serious=True,
            ),
        ],
        contraindications=[
            _contra("allergy", "Allergy to lidocaine or other amide local anaesthetics.", "U", None)
        ],
        notes=[
            _use("Used in a low-back-pain randomised trial.", "V", "costantino-2011"),
            ANAESTHETIC_CAUTION,
        ],
    ),
    _compound(
        "ketoprofen",
        "Ketoprofen",
        "synthetic",
        "An anti-inflammatory painkiller (NSAID) used in pain mixtures.",
        atc="M01AE03, M02AA10",
        atc_note="M01AE03 systemic; M02AA10 topical.",
        evidence=BACK_PAIN_TRIAL_EVIDENCE,
        allergens="ketoprofen, NSAID",
        notes=[
            _use("Low-back-pain trial: 160 mg per session.", "V", "costantino-2011"),
        ],
    ),
    _compound(
        "piroxicam",
        "Piroxicam",
        "synthetic",
        "An anti-inflammatory painkiller (NSAID).",
        atc="M01AC01, M02AA07",
        atc_note="M01AC01 systemic; M02AA07 topical.",
        allergens="piroxicam, NSAID",
        notes=[NOT_FOUND_USE],
    ),
    _compound(
        "methylprednisolone",
        "Methylprednisolone",
        "synthetic",
        "A corticosteroid used in some pain mixtures; traditional schools reject it.",
        atc="H02AB04",
        evidence=BACK_PAIN_TRIAL_EVIDENCE,
        allergens="methylprednisolone, corticosteroid",
        notes=[
            _use("Low-back-pain trial: 40 mg, then 20 mg.", "V", "costantino-2011"),
            _note(
                "caution",
                "Traditional French mesotherapy says “never cortisone”; practice conflicts.",
                "V",
                "doczz-french-practice",
            ),
            _note(
                "caution",
                "The Argentine school also rejects cortisone.",
                "V2",
                "mesoterapiargentina",
            ),
        ],
    ),
    _compound(
        "calcitonin",
        "Calcitonin (salmon, synthetic)",
        "hormone",
        "A hormone listed by French practitioners for musculoskeletal use.",
        synonyms="salmon calcitonin, calcitonines",
        atc="H05BA01",
        allergens="calcitonin, salmon",
        notes=[
            _use("Listed by French practitioners (“calcitonines”).", "V", "doczz-french-practice")
        ],
    ),
    _compound(
        "thiocolchicoside",
        "Thiocolchicoside",
        "synthetic",
        "A muscle relaxant.",
        atc="M03BX05",
        allergens="thiocolchicoside",
        notes=[
            _use(
                "French practitioners list muscle relaxants (“décontracturants”) in general "
                "terms; this drug itself was not named in the reviewed sources.",
                "V",
                "doczz-french-practice",
            ),
        ],
    ),
    # --- Circulation (domain.md §1d) ---
    _compound(
        "pentoxifylline",
        "Pentoxifylline",
        "synthetic",
        "A drug that improves blood flow in peripheral circulation disorders.",
        atc="C04AD03",
        allergens="pentoxifylline, methylxanthine",
        notes=[NOT_FOUND_USE],
    ),
    _compound(
        "buflomedil",
        "Buflomedil",
        "synthetic",
        "A vasodilator; used in a thigh-contouring mixture.",
        atc="C04AX20",
        evidence=(
            "none",
            "In a split-thigh randomised trial a mixture of aminophylline, buflomedil and "
            "lidocaine did no better than the untreated thigh.",
            "V",
            ["park-2008"],
        ),
        allergens="buflomedil",
        regulatory=[
            _status(
                "EU",
                "unverified",
                "Reported EU suspension (around 2011) for cardiac and neurological toxicity; "
                "check before listing it as available",
                "U",
                None,
            ),
        ],
        notes=[_use("Part of the split-thigh trial mixture.", "V", "park-2008")],
    ),
    _compound(
        "ginkgo-biloba",
        "Ginkgo biloba",
        "natural",
        "A plant extract used for circulation.",
        synonyms="Ginkgo folium",
        atc="N06DX02",
        atc_note="“Ginkgo folium”.",
        allergens="ginkgo",
        notes=[NOT_FOUND_USE],
    ),
    _compound(
        "melilotus",
        "Melilotus (sweet clover)",
        "natural",
        "A plant extract containing coumarins, used for venous and lymphatic circulation.",
        synonyms="sweet clover, melilot, coumarins",
        allergens="melilotus, sweet clover, coumarin",
        notes=[NOT_FOUND_USE],
    ),
    _compound(
        "rutoside-troxerutin",
        "Rutoside / troxerutin",
        "natural",
        "Natural flavonoids used for venous circulation.",
        synonyms="rutin, rutoside, troxerutin",
        atc="C05CA01, C05CA04",
        atc_note="C05CA01 rutoside; C05CA04 troxerutin.",
        allergens="rutoside, rutin, troxerutin, flavonoid",
        notes=[NOT_FOUND_USE],
    ),
    # --- Skin rejuvenation (domain.md §1e) ---
    _compound(
        "hyaluronic-acid",
        "Hyaluronic acid (non-cross-linked)",
        "natural",
        "A natural polysaccharide of the skin, injected to hydrate it.",
        synonyms="hyaluronan, sodium hyaluronate",
        atc="D03AX05, M09AX01",
        atc_note="D03AX05 dermatological; M09AX01 intra-articular.",
        evidence=SKIN_AGEING_CONSENSUS_EVIDENCE,
        allergens="hyaluronic acid, hyaluronan, hyaluronate",
        notes=[_use("Used for rejuvenation.", "V2", "unnamed-secondary")],
    ),
    _compound(
        "vitamin-c",
        "Vitamin C (ascorbic acid)",
        "vitamin",
        "A vitamin used in skin cocktails and for dark spots (hyperpigmentation).",
        synonyms="ascorbic acid",
        atc="A11GA01",
        evidence=SKIN_AGEING_CONSENSUS_EVIDENCE,
        allergens="vitamin c, ascorbic acid, ascorbate",
        notes=[
            _use(
                "The epidermal technique is used for vitamin cocktails and for hyperpigmentation.",
                "V2",
                "bhub-epidermal",
            ),
        ],
    ),
    _compound(
        "dmae",
        "DMAE (deanol)",
        "synthetic",
        "A synthetic compound used in skin cocktails.",
        synonyms="deanol, dimethylaminoethanol",
        atc="N06BX04",
        allergens="dmae, deanol",
        notes=[_use("Listed in cocktails.", "V", "seme-homeopathic")],
    ),
]

# Facts about the technique itself, whatever the compound (domain.md §2-3).
TECHNIQUE_ADVERSE_EFFECTS: list[dict[str, Any]] = [
    _effect(
        "Infection with rapidly growing mycobacteria (M. abscessus, M. chelonae): nodules "
        "and abscesses, mostly on the abdomen and buttocks",
        "V",
        "spain-ntm-2007",
        "onset 1 to 12 weeks after injection",
        serious=True,
    ),
    _effect(
        "Mycobacterial infections usually heal on antibiotics, often after several courses "
        "and often with scarring (423 patients in 30 articles)",
        "V",
        "singsing-2022",
        serious=True,
    ),
    _effect(
        "Persistent redness, swelling, drainage and ulceration; fat necrosis",
        "V",
        "mmwr-2005",
        "noticed 6 to 10 weeks after injection; lasting weeks to months",
    ),
    _effect(
        "Granulomatous inflammation (in mycobacterial infections)",
        "V",
        "spain-ntm-2007",
    ),
    _effect(
        "Hair loss with scarring inflammation at scalp injection sites",
        "V",
        "jocd-12320",
        "late onset, up to 1 year after uneventful sessions",
    ),
    _effect(
        "Rapid perifolliculitis with neutropenia and raised liver enzymes",
        "V",
        "perifolliculitis",
        "about 2 weeks after injection",
    ),
    _effect(
        "Localised urticaria pigmentosa triggered by mesotherapy", "V", "springer-complications"
    ),
    _effect("Abdominal haematoma", "V", "springer-complications"),
    _effect("Post-inflammatory hyperpigmentation", "V2", "springer-complications"),
    _effect(
        "Skin necrosis from alcohol- or oil-based substances, which should not be used",
        "V",
        "konda-2013",
    ),
    _effect("Panniculitis (no case report reviewed)", "U", None),
    _effect("Lipoatrophy (not found in the review)", "U", None),
]

TECHNIQUE_CONTRAINDICATIONS: list[dict[str, Any]] = [
    _contra("pregnancy", "Pregnancy.", "V2", "slideplayer-meso"),
    _contra("breastfeeding", "Breastfeeding.", "V2", "slideplayer-meso"),
    _contra("coagulation_disorder", "Coagulation disorders.", "V2", "slideplayer-meso"),
    _contra("infection_at_site", "Skin infection at the injection site.", "V2", "slideplayer-meso"),
    _contra("other", "Children.", "V2", "slideplayer-meso"),
    _contra("other", "Cardiac arrhythmia.", "V2", "slideplayer-meso"),
    _contra("other", "Uncontrolled diabetes.", "V2", "slideplayer-meso"),
    _contra(
        "anticoagulant",
        "Anticoagulant or antiplatelet medication (risk of bleeding and bruising).",
        "U",
        None,
    ),
    _contra(
        "allergy",
        "Allergy to any ingredient of the mix (matched on each compound's allergy keywords).",
        "U",
        None,
    ),
]

INDICATIONS: list[dict[str, Any]] = [
    {
        "slug": "localised-adiposity",
        "name": "Local fat (localised adiposity)",
        "purpose": "aesthetic",
        "description": "A fat deposit in one area (the source article's “local fat / "
        "overweight”), as opposed to obesity.",
        "icd10_code": "E65",
        "icd10_note": "E65 “Localized adiposity”. Do not use E66, which is obesity.",
        "verification": "V",
        "source": "pabau-e65",
    },
    {
        "slug": "cellulite",
        "name": "Cellulite",
        "purpose": "aesthetic",
        "description": "Dimpled skin, mostly on thighs and buttocks; the Italian consensus calls "
        "it oedematous fibrosclerotic panniculopathy.",
        "icd10_code": "",
        "icd10_note": "No dedicated ICD-10 code was found. Never code cellulite as L03: L03 is "
        "cellulitis, a bacterial skin infection.",
        "verification": "U",
        "source": None,
    },
    {
        "slug": "hair-loss",
        "name": "Hair loss (androgenetic alopecia)",
        "purpose": "aesthetic",
        "description": "Pattern hair loss in men and women.",
        "icd10_code": "L64",
        "icd10_note": "L64 was not looked up in the reference review. Other hair-loss codes "
        "found there: alopecia areata L63, telogen effluvium L65.0.",
        "verification": "U",
        "source": None,
    },
    {
        "slug": "sports-injuries-pain",
        "name": "Sports injuries and musculoskeletal pain",
        "purpose": "therapeutic",
        "description": "Painful local conditions such as low back pain: the original use of "
        "mesotherapy.",
        "icd10_code": "",
        "icd10_note": "No single code: code the diagnosis treated. None was looked up in the "
        "reference review.",
        "verification": "U",
        "source": None,
    },
    {
        "slug": "venous-lymphatic-insufficiency",
        "name": "Circulation: venous and lymphatic insufficiency (“heavy legs”)",
        "purpose": "therapeutic",
        "description": "Chronic venous-lymphatic insufficiency of the legs.",
        "icd10_code": "",
        "icd10_note": "No code was looked up in the reference review.",
        "verification": "U",
        "source": None,
    },
    {
        "slug": "skin-ageing",
        "name": "Skin rejuvenation (facial skin ageing)",
        "purpose": "aesthetic",
        "description": "Ageing of the facial skin; listed among uses with demonstrated "
        "efficacy by the Italian Society of Mesotherapy consensus.",
        "icd10_code": "",
        "icd10_note": "No code was looked up in the reference review.",
        "verification": "U",
        "source": None,
    },
]

_NO_SNOMED = "No SNOMED CT code was checked in the reference review."

BODY_ZONES: list[dict[str, Any]] = [
    {
        "slug": "abdomen",
        "name": "Abdomen",
        "view": "front",
        "snomed_code": "818983003",
        "snomed_display": "Abdomen",
        "note": "The older code 113345001 “Abdominal structure” is still seen in code.",
        "verification": "V",
        "source": "snomed-ph-ig",
    },
    {
        "slug": "thigh",
        "name": "Thigh",
        "view": "front",
        "snomed_code": "68367000",
        "snomed_display": "Thigh structure",
        "verification": "V",
        "source": "snomed-dicom",
    },
    {
        "slug": "buttock",
        "name": "Buttock",
        "view": "back",
        "snomed_code": "46862004",
        "snomed_display": "Buttock structure",
        "note": "One code file mislabels it “left deltoid”; most label it buttock.",
        "verification": "V",
        "source": "snomed-public-code",
    },
    {
        "slug": "upper-arm",
        "name": "Upper arm",
        "view": "front",
        "snomed_code": "40983000",
        "snomed_display": "Upper arm structure",
        "note": "DICOM meaning “Arm”.",
        "verification": "V",
        "source": "snomed-dicom",
    },
    {
        "slug": "scalp",
        "name": "Scalp",
        "view": "scalp",
        "snomed_code": "41695006",
        "snomed_display": "Scalp structure",
        "verification": "V",
        "source": "snomed-public-code",
    },
    {
        "slug": "flank",
        "name": "Flank",
        "view": "front",
        "snomed_code": "58602004",
        "snomed_display": "",
        "note": "Candidate code only; check it in a SNOMED browser.",
        "verification": "U",
        "source": None,
    },
    {"slug": "submental", "name": "Under the chin (submental)", "view": "front"},
    {"slug": "face", "name": "Face", "view": "front"},
    {"slug": "lower-back", "name": "Lower back", "view": "back"},
    {"slug": "knee", "name": "Knee", "view": "front"},
    {"slug": "lower-leg", "name": "Lower leg", "view": "front"},
    {"slug": "hip", "name": "Hip (trochanteric region)", "view": "back"},
]
for _zone in BODY_ZONES:
    _zone.setdefault("snomed_code", "")
    _zone.setdefault("snomed_display", "")
    _zone.setdefault("note", _NO_SNOMED)
    _zone.setdefault("verification", "U")
    _zone.setdefault("source", None)


def _product(
    slug: str,
    name: str,
    components: list[tuple[str, Decimal | None, str]],
    mark: str,
    source: str | None,
    *,
    brand: str = "",
    manufacturer: str = "",
    presentation: str = "unspecified",
    volume_ml: Decimal | None = None,
    note: str = "",
    epinephrine: bool = False,
    discard_after_opening_hours: int | None = None,
    strength: tuple[str, str | None] | None = None,
) -> dict[str, Any]:
    """A product; each stated strength is sourced by `strength` (mark, source key), else by
    the product's own source and mark."""
    strength_mark, strength_source = strength or (mark, source)
    return {
        "slug": slug,
        "name": name,
        "brand": brand,
        "manufacturer": manufacturer,
        "presentation": presentation,
        "volume_ml": volume_ml,
        "note": note,
        "contains_epinephrine": epinephrine,
        "discard_after_opening_hours": discard_after_opening_hours,
        "verification": mark,
        "source": source,
        "components": [
            {
                "compound": compound,
                "concentration": value,
                "unit": unit,
                "strength_verification": strength_mark if value is not None else "U",
                "strength_source": strength_source if value is not None else None,
            }
            for compound, value, unit in components
        ],
    }


GENERIC = "Generic product: the clinic records the brand and lot it actually uses."
# Neither label read gives a discard time after opening: 28 days is the usual default.
MULTI_DOSE_DISCARD_HOURS = 28 * 24
MULTI_DOSE_DISCARD = (
    " Discard 28 days after the first puncture unless the manufacturer says otherwise "
    "(unverified: the common default, not read on this label)."
)

PRODUCTS: list[dict[str, Any]] = [
    _product(
        "kybella",
        "Kybella (deoxycholic acid 10 mg/mL)",
        [("deoxycholic-acid", Decimal("10"), "mg/mL")],
        "V",
        "kybella-label",
        brand="Kybella",
        manufacturer="Kythera",
        presentation="single_dose_vial",
        volume_ml=Decimal("2"),
        note="2 mL single-patient vials; do not dilute or mix (label). Approved as Kybella "
        "(Kythera), HealthDay 2015.",
    ),
    _product(
        "lipostabil",
        "Lipostabil (PC 5% + DC 2.5%)",
        [("phosphatidylcholine", Decimal("5"), "%"), ("deoxycholic-acid", Decimal("2.5"), "%")],
        "V2",
        "wikipedia-injection-lipolysis",
        brand="Lipostabil",
        note="Approved in Germany for fat embolism, dyslipidaemia and liver disease, not for "
        "fat removal.",
    ),
    _product(
        "dermaheal-ll",
        "Dermaheal LL (PC 5% + L-carnitine 1%)",
        [("phosphatidylcholine", Decimal("5"), "%"), ("levocarnitine", Decimal("1"), "%")],
        "V",
        "actasdermo-2017",
        brand="Dermaheal LL",
    ),
    _product(
        "conjonctyl",
        "Conjonctyl (organic silicon)",
        [("organic-silicon", None, "")],
        "V",
        "seme-homeopathic",
        brand="Conjonctyl",
        note="Strength not given in the reviewed sources.",
    ),
    _product(
        "pc-dc-generic",
        "Phosphatidylcholine / deoxycholate (PC/DC, generic)",
        [("phosphatidylcholine", None, ""), ("deoxycholic-acid", None, "")],
        "V",
        "salti-2008",
        note=GENERIC + " Strengths not given in the reviewed summary.",
    ),
    _product(
        "lidocaine-2-generic",
        "Lidocaine 2% (generic)",
        [("lidocaine", Decimal("2"), "%")],
        "V",
        "costantino-2011",
        note=GENERIC,
    ),
    _product(
        "lidocaine-2-mpf-single-dose",
        "Lidocaine HCl 2% (20 mg/mL), single-dose vial, methylparaben-free (MPF)",
        [("lidocaine", Decimal("20"), "mg/mL")],
        "V",
        "dailymed-xylocaine",
        presentation="single_dose_vial",
        strength=("V2", "xylocaine-pi-canada"),
        note="Xylocaine MPF: single-dose solutions without preservative; discard what is left "
        "after one use.",
    ),
    _product(
        "lidocaine-1-multi-dose",
        "Lidocaine HCl 1% (10 mg/mL), multiple-dose vial with methylparaben",
        [("lidocaine", Decimal("10"), "mg/mL")],
        "V",
        "dailymed-xylocaine",
        presentation="multi_dose_vial",
        discard_after_opening_hours=MULTI_DOSE_DISCARD_HOURS,
        strength=("V2", "xylocaine-pi-canada"),
        note="Xylocaine multiple-dose vials hold 1 mg/mL methylparaben as preservative."
        + MULTI_DOSE_DISCARD,
    ),
    _product(
        "lidocaine-1-epinephrine-multi-dose",
        "Lidocaine HCl 1% (10 mg/mL) with epinephrine 1:100,000, multiple-dose vial",
        [("lidocaine", Decimal("10"), "mg/mL")],
        "V",
        "dailymed-xylocaine",
        presentation="multi_dose_vial",
        epinephrine=True,
        discard_after_opening_hours=MULTI_DOSE_DISCARD_HOURS,
        strength=("V2", "xylocaine-pi-canada"),
        note="Xylocaine with epinephrine in multiple-dose vials holds 1 mg/mL methylparaben."
        + MULTI_DOSE_DISCARD,
    ),
    _product(
        "procaine-1-ampoule",
        "Procaine HCl 1% (10 mg/mL), single-dose ampoule",
        [("procaine", Decimal("10"), "mg/mL")],
        "V",
        "dailymed-novocain",
        presentation="ampoule",
        note="Novocain 1% ampul: no antimicrobial preservative; one use.",
    ),
    _product(
        "procaine-2-multi-dose",
        "Procaine HCl 2% (20 mg/mL), multiple-dose vial with chlorobutanol",
        [("procaine", Decimal("20"), "mg/mL")],
        "V",
        "dailymed-novocain",
        presentation="multi_dose_vial",
        discard_after_opening_hours=MULTI_DOSE_DISCARD_HOURS,
        note="Novocain vials: chlorobutanol is added as preservative in the multiple-dose vials."
        + MULTI_DOSE_DISCARD,
    ),
    _product(
        "lidocaine-generic",
        "Lidocaine (generic, strength not stated)",
        [("lidocaine", None, "")],
        "V",
        "park-2008",
        note=GENERIC + " The split-thigh trial summary does not give the strength.",
    ),
    _product(
        "ketoprofen-160-generic",
        "Ketoprofen 160 mg in 1 mL (generic)",
        [("ketoprofen", Decimal("160"), "mg/mL")],
        "V",
        "costantino-2011",
        note=GENERIC + " The trial gave 1 mL containing 160 mg per session.",
    ),
    _product(
        "methylprednisolone-40-generic",
        "Methylprednisolone 40 mg in 1 mL (generic)",
        [("methylprednisolone", Decimal("40"), "mg/mL")],
        "V",
        "costantino-2011",
        note=GENERIC + " The trial gave 1 mL of 40 mg, then 20 mg.",
    ),
    _product(
        "aminophylline-generic",
        "Aminophylline (generic, strength not stated)",
        [("aminophylline", None, "")],
        "V",
        "park-2008",
        note=GENERIC,
    ),
    _product(
        "buflomedil-generic",
        "Buflomedil (generic, strength not stated)",
        [("buflomedil", None, "")],
        "V",
        "park-2008",
        note=GENERIC + " Check its availability in the EU (reported suspension, unverified).",
    ),
    _product(
        "caffeine-generic",
        "Caffeine (generic, strength not stated)",
        [("caffeine", None, "")],
        "V2",
        "slideplayer-meso",
        note=GENERIC,
    ),
    _product(
        "artichoke-generic",
        "Artichoke extract (generic, strength not stated)",
        [("artichoke-extract", None, "")],
        "V2",
        "slideplayer-meso",
        note=GENERIC + " Not FDA-approved for subcutaneous injection.",
    ),
    _product(
        "minoxidil-2-generic",
        "Minoxidil 2% for intradermal injection (generic)",
        [("minoxidil", Decimal("2"), "%")],
        "V2",
        "azam-morsi-2010",
        note=GENERIC,
    ),
    _product(
        "dutasteride-generic",
        "Dutasteride preparation (generic, strength not stated)",
        [("dutasteride", None, "")],
        "V2",
        "moftah-dutasteride",
        note=GENERIC,
    ),
    _product(
        "procaine-generic",
        "Procaine (generic, strength not stated)",
        [("procaine", None, "")],
        "V",
        "townsend-2008",
        note=GENERIC,
    ),
    _product(
        "troxerutin-generic",
        "Troxerutin (generic, strength not stated)",
        [("rutoside-troxerutin", None, "")],
        "U",
        None,
        note=GENERIC + " Its use in mesotherapy was not confirmed in the reviewed sources.",
    ),
    _product(
        "melilotus-generic",
        "Melilotus extract (generic, strength not stated)",
        [("melilotus", None, "")],
        "U",
        None,
        note=GENERIC + " Its use in mesotherapy was not confirmed in the reviewed sources.",
    ),
    _product(
        "hyaluronic-acid-generic",
        "Hyaluronic acid, non-cross-linked (generic, strength not stated)",
        [("hyaluronic-acid", None, "")],
        "V2",
        "unnamed-secondary",
        note=GENERIC,
    ),
    _product(
        "vitamin-c-generic",
        "Vitamin C (generic, strength not stated)",
        [("vitamin-c", None, "")],
        "V2",
        "bhub-epidermal",
        note=GENERIC,
    ),
]

_GENERAL_TECHNIQUE = (
    "General intradermal technique, not stated by the trial: depth at most 4 mm (Konda & "
    "Thappa), a single 4 mm 27 G needle at 30-45°, 0.1-0.2 mL per point, points 2-3 cm apart."
)


def _protocol(
    slug: str,
    name: str,
    indication: str,
    procedure_type: str,
    *,
    schedule: dict[str, Any],
    technique: dict[str, Any],
    mix: dict[str, Any],
    items: list[dict[str, Any]],
    zones: list[str],
    evidence: tuple[str, str, str | None],
    sources: list[str],
) -> dict[str, Any]:
    statement, evidence_mark, evidence_source = evidence
    fields: dict[str, Any] = {
        "slug": slug,
        "name": name,
        "indication": indication,
        "procedure_type": procedure_type,
        "sessions": None,
        "interval_days": None,
        "schedule_note": "",
        "depth_mm_min": None,
        "depth_mm_max": None,
        "needle_gauge": None,
        "needle_length_mm": None,
        "technique": "",
        "technique_note": "",
        "mix_note": "",
        "evidence_statement": statement,
        "evidence_verification": evidence_mark,
        "evidence_source": evidence_source,
        "items": items,
        "zones": zones,
        "sources": sources,
    }
    for prefix, group in (("schedule_", schedule), ("technique_", technique), ("mix_", mix)):
        fields[prefix + "verification"] = group.pop("verification")
        fields[prefix + "source"] = group.pop("source")
        fields.update(group)
    return fields


def _no_schedule() -> dict[str, Any]:
    """A fresh group each time: `_protocol` takes its mark and source out of it."""
    return {
        "schedule_note": "No schedule was found in the reviewed sources; the practitioner "
        "sets it in the plan.",
        "verification": "U",
        "source": None,
    }


def _item(
    product: str,
    share: Decimal | None = None,
    per_point: Decimal | None = None,
    note: str = "",
) -> dict[str, Any]:
    return {
        "product": product,
        "share_percent": share,
        "volume_ml_per_point": per_point,
        "note": note,
    }


PROTOCOLS: list[dict[str, Any]] = [
    _protocol(
        "low-back-pain-lidocaine-ketoprofen-methylprednisolone",
        "Acute low back pain: lidocaine, ketoprofen, methylprednisolone",
        "sports-injuries-pain",
        "mesotherapy",
        schedule={
            "sessions": 5,
            "interval_days": 3,
            "schedule_note": "Days 1, 4, 7, 10 and 13 (trial schedule).",
            "verification": "V",
            "source": "costantino-2011",
        },
        technique={
            "depth_mm_max": Decimal("4"),
            "needle_gauge": 27,
            "needle_length_mm": Decimal("4"),
            "technique": "point_by_point",
            "technique_note": _GENERAL_TECHNIQUE,
            "verification": "V2",
            "source": "phptraining",
        },
        mix={
            "mix_note": "1 mL of each per session; methylprednisolone 40 mg, then 20 mg.",
            "verification": "V",
            "source": "costantino-2011",
        },
        items=[
            _item("lidocaine-2-generic", note="1 mL per session"),
            _item("ketoprofen-160-generic", note="1 mL (160 mg) per session"),
            _item("methylprednisolone-40-generic", note="1 mL per session: 40 mg, then 20 mg"),
        ],
        zones=["lower-back"],
        evidence=(
            "In a randomised trial of 84 people with acute low back pain, mesotherapy and "
            "systemic anti-inflammatory treatment both improved pain (VAS) and disability "
            "(Roland-Morris), with no significant difference at the end of treatment or at 6 "
            "months. An emergency-department trial found larger pain reductions than with "
            "intravenous dexketoprofen (Akbas 2019).",
            "V",
            "costantino-2011",
        ),
        sources=["costantino-2011", "akbas-2019", "rehab-review", "konda-2013", "phptraining"],
    ),
    _protocol(
        "thigh-aminophylline-buflomedil-lidocaine",
        "Thigh fat: aminophylline, buflomedil, lidocaine (split-thigh trial)",
        "localised-adiposity",
        "mesotherapy",
        schedule={
            "sessions": 12,
            "interval_days": 7,
            "schedule_note": "Weekly for 12 weeks (trial schedule).",
            "verification": "V",
            "source": "park-2008",
        },
        technique={
            "depth_mm_max": Decimal("2"),
            "technique_note": "Injection gun into the superficial dermis (trial); the superficial "
            "intradermal class is at most 2 mm deep (Argentine school).",
            "verification": "V",
            "source": "park-2008",
        },
        mix={
            "mix_note": "Proportions not given in the trial summary.",
            "verification": "V",
            "source": "park-2008",
        },
        items=[
            _item("aminophylline-generic"),
            _item("buflomedil-generic"),
            _item("lidocaine-generic"),
        ],
        zones=["thigh"],
        evidence=(
            "In a split-thigh randomised trial (20 women, 12 weeks) the treated thigh did no "
            "better than the untreated one on girth and CT fat measures, and satisfaction was "
            "poor. The authors concluded it is “not an effective alternative”.",
            "V",
            "park-2008",
        ),
        sources=["park-2008", "dermotherap"],
    ),
    _protocol(
        "gynoid-fat-pc-dc",
        "Injection lipolysis: PC/DC for gynoid fat",
        "localised-adiposity",
        "injection_lipolysis",
        schedule={
            "sessions": 4,
            "interval_days": 56,
            "schedule_note": "4 sessions every 8 weeks (trial schedule).",
            "verification": "V",
            "source": "salti-2008",
        },
        technique={
            "technique_note": "Depth, needle and technique are not given in the reviewed summary.",
            "verification": "U",
            "source": None,
        },
        mix={
            "mix_note": "Strengths not given in the reviewed summary.",
            "verification": "V",
            "source": "salti-2008",
        },
        items=[_item("pc-dc-generic", share=Decimal("100"))],
        zones=["thigh", "hip"],
        evidence=(
            "In a double-blind split-body trial (37 women) PC/DC and deoxycholate alone both "
            "reduced circumference (-6.46% and -6.77%) and ultrasound fat thickness (-36.87% "
            "and -36.06%), with no difference between sides; there was no untreated control. "
            "Not approved for fat removal anywhere in the reviewed sources.",
            "V",
            "salti-2008",
        ),
        sources=["salti-2008", "pubmed-16681654", "skininc-2010"],
    ),
    _protocol(
        "submental-deoxycholic-acid",
        "Fat under the chin: deoxycholic acid (Kybella label)",
        "localised-adiposity",
        "approved_dc",
        schedule={
            "sessions": 6,
            "interval_days": 31,
            "schedule_note": "Label: up to 6 sessions, at least 1 month apart.",
            "verification": "V",
            "source": "kybella-label",
        },
        technique={
            "technique": "label",
            "technique_note": "0.2 mL per injection, 1 cm apart (2 mg/cm²), at most 50 "
            "injections (10 mL) per session; do not dilute or mix. Depth and needle are not "
            "given in the reviewed sources.",
            "verification": "V",
            "source": "kybella-label",
        },
        mix={"mix_note": "Undiluted, alone.", "verification": "V", "source": "kybella-label"},
        items=[_item("kybella", share=Decimal("100"), per_point=Decimal("0.2"))],
        zones=["submental"],
        evidence=(
            "Two phase 3 randomised trials in 1,022 adults found reductions of fat under the "
            "chin more often than with placebo. Approved in the US for this area only "
            "(29 April 2015).",
            "V",
            "kybella-phase3",
        ),
        sources=["kybella-phase3", "healthday-kybella", "kybella-label", "kybella-label-120ty"],
    ),
    _protocol(
        "cellulite-caffeine-artichoke-silicon",
        "Cellulite: caffeine, artichoke and organic silicon (example mix)",
        "cellulite",
        "mesotherapy",
        schedule={
            "sessions": 12,
            "interval_days": 7,
            "schedule_note": "No cellulite schedule was found in the reviewed sources; 12 weekly "
            "sessions are borrowed from the split-thigh trial of body mesotherapy.",
            "verification": "U",
            "source": "park-2008",
        },
        technique={
            "needle_gauge": 30,
            "needle_length_mm": Decimal("13"),
            "technique": "deep",
            "technique_note": "Deep technique: 13 mm needle fully inserted at 45°, described for "
            "fat and cellulite; 13 mm needles are 30 or 32 G.",
            "verification": "V2",
            "source": "mesoderm-techniques",
        },
        mix={
            "mix_note": "An example built from agents listed for body mesotherapy; no source "
            "gives this mix for cellulite.",
            "verification": "U",
            "source": None,
        },
        items=[
            _item("caffeine-generic"),
            _item("artichoke-generic"),
            _item("conjonctyl"),
        ],
        zones=["thigh", "buttock"],
        evidence=(
            "An uncontrolled study of intradermal mesotherapy in 21 women reported improvement "
            "from baseline on ultrasound, thigh circumference and cellulite grade, with BMI "
            "unchanged. Fat-reducing effects of traditional ingredients are not supported in "
            "peer-reviewed studies.",
            "V",
            "cellulite-2017",
        ),
        sources=["cellulite-2017", "pubmed-16681654", "mesoderm-techniques", "phptraining"],
    ),
    _protocol(
        "hair-loss-minoxidil",
        "Hair loss: minoxidil 2%",
        "hair-loss",
        "mesotherapy",
        schedule={
            "sessions": 10,
            "interval_days": 14,
            "schedule_note": "Every other week for 2-3 months, then monthly to about 10 sessions; "
            "maintenance every 3 months (clinic practice). A trial used weekly for a month, "
            "every 2 weeks for a month, then monthly for 4 months.",
            "verification": "V2",
            "source": "nadia-hair",
        },
        technique={
            "technique_note": "Depth, needle and technique for the scalp are not given in the "
            "reviewed sources.",
            "verification": "U",
            "source": None,
        },
        mix={
            "mix_note": "Minoxidil 2% by mesotherapy (trial in 60 women).",
            "verification": "V2",
            "source": "azam-morsi-2010",
        },
        items=[_item("minoxidil-2-generic", share=Decimal("100"))],
        zones=["scalp"],
        evidence=(
            "A 2017 systematic review (5 studies, 344 patients, poor quality) suggests a "
            "benefit but calls for more research. A 2019 trial in 49 men found mesotherapy no "
            "better than topical 5% minoxidil, except for hair-shaft diameter.",
            "V",
            "marzban-2017",
        ),
        sources=["marzban-2017", "gajjar-2019", "azam-morsi-2010", "nadia-hair"],
    ),
    _protocol(
        "heavy-legs-troxerutin-melilotus",
        "Heavy legs: troxerutin and melilotus (example mix)",
        "venous-lymphatic-insufficiency",
        "mesotherapy",
        schedule=_no_schedule(),
        technique={
            "technique_note": "Not given in the reviewed sources.",
            "verification": "U",
            "source": None,
        },
        mix={
            "mix_note": "An example built from compounds listed for circulation; their use in "
            "mesotherapy was not confirmed in the reviewed sources.",
            "verification": "U",
            "source": None,
        },
        items=[_item("troxerutin-generic"), _item("melilotus-generic")],
        zones=["lower-leg"],
        evidence=(
            "The Italian Society of Mesotherapy consensus (2011) lists chronic "
            "venous-lymphatic insufficiency among uses with demonstrated efficacy; no trial of "
            "this mix was reviewed.",
            "V",
            "sim-consensus-2011",
        ),
        sources=["sim-consensus-2011"],
    ),
    _protocol(
        "skin-ageing-hyaluronic-acid-vitamin-c",
        "Skin rejuvenation: hyaluronic acid and vitamin C (epidermal technique)",
        "skin-ageing",
        "mesotherapy",
        schedule=_no_schedule(),
        technique={
            "needle_length_mm": Decimal("13"),
            "technique": "epidermal",
            "technique_note": "Epidermal technique (Perrin, 1995) with a 0.3 x 13 mm needle, "
            "used for vitamin cocktails.",
            "verification": "V2",
            "source": "bhub-epidermal",
        },
        mix={
            "mix_note": "Vitamin cocktails by the epidermal technique; hyaluronic acid is used "
            "for rejuvenation.",
            "verification": "V2",
            "source": "bhub-epidermal",
        },
        items=[_item("hyaluronic-acid-generic"), _item("vitamin-c-generic")],
        zones=["face"],
        evidence=(
            "The Italian Society of Mesotherapy consensus (2011) lists facial skin ageing among "
            "uses with demonstrated efficacy; no trial of this mix was reviewed.",
            "V",
            "sim-consensus-2011",
        ),
        sources=["sim-consensus-2011", "bhub-epidermal"],
    ),
]

JURISDICTION_RULES: list[dict[str, Any]] = [
    {
        "slug": "fr-decret-2011-382",
        "jurisdiction": "FR",
        "effect": "banned",
        "procedure_types": ["injection_lipolysis", "approved_dc"],
        "applies_to_lipolytic": True,
        "purpose": "aesthetic",
        "title": "Décret n° 2011-382 du 11 avril 2011",
        "summary": "Bans, for aesthetic purposes, lysis of fat cells (lipolysis) by injection "
        "of mesotherapy mixtures, of hypo-osmolar solutions, or of phosphatidylcholine / "
        "sodium deoxycholate.",
        "history": "The Conseil d'État upheld this article on 17 February 2012 (n° 349431) and "
        "annulled only the ban on external physical agents. The ban came back into force from "
        "1 March 2012 (secondary source).",
        "verification": "V",
        "source": "legifrance-2011-382",
        "further_sources": ["conseil-etat-349431", "cnep-2012"],
        "protocols": [],
        "in_force": True,
    },
]


def _allergen(
    slug: str,
    name: str,
    kind: str,
    terms: str,
    *,
    compounds: tuple[str, ...] = (),
    member_of: str | None = None,
    cross_reaction: str = "",
    mark: str = "U",
    source: str | None = None,
) -> dict[str, Any]:
    """An allergy code: `terms` are English and French names and brands, commas between."""
    return {
        "slug": slug,
        "name": name,
        "kind": kind,
        "terms": terms,
        "compounds": list(compounds),
        "member_of": member_of,
        "cross_reaction": cross_reaction,
        "verification": mark,
        "source": source,
    }


_AMIDE = "amide-local-anaesthetics"
_ESTER = "ester-local-anaesthetics"
_NSAID = "nsaids"

# Classes come before their members (the loader links a member to its class by slug).
ALLERGENS: list[dict[str, Any]] = [
    _allergen(
        "local-anaesthetics",
        "Local anaesthetics (any)",
        "class",
        "local anaesthetic, local anesthetic, anaesthetic, anesthetic, anesthesique local, "
        "anesthesiques locaux, anesthesie locale",
        compounds=("lidocaine", "procaine"),
        cross_reaction="An allergy written as “local anaesthetics” names no one drug: every "
        "local anaesthetic of the protocol is covered until it is clarified.",
    ),
    _allergen(
        _AMIDE,
        "Amide local anaesthetics",
        "class",
        "amide local anaesthetic, amide anaesthetic, amide anesthetic, amide type local "
        "anesthetic, anesthesique local de type amide, anesthesiques locaux amides",
        compounds=("lidocaine",),
        cross_reaction="True allergy to amide local anaesthetics is rare, and cross-sensitivity "
        "among amides “has not been reported”: an allergy to one amide is a warning to clarify "
        "(preservative, metabisulfite, epinephrine), not proof of allergy to another.",
        mark="V2",
        source="dentalcare-la-hypersensitivity",
    ),
    _allergen(
        _ESTER,
        "Ester local anaesthetics",
        "class",
        "ester local anaesthetic, ester anaesthetic, ester anesthetic, ester type local "
        "anesthetic, anesthesique local de type ester, anesthesiques locaux esters, paba",
        compounds=("procaine",),
        cross_reaction="Ester local anaesthetics are metabolised to para-aminobenzoic acid "
        "(PABA), a known allergen: an allergy to one ester covers the others. Patients allergic "
        "to esters have not shown cross-sensitivity to amides.",
        mark="V2",
        source="dentalcare-la-hypersensitivity",
    ),
    _allergen(
        "lidocaine",
        "Lidocaine",
        "substance",
        "lidocaine, lignocaine, lidocaine hydrochloride, xylocaine, xylocaine mpf, "
        "lidocaine chlorhydrate, chlorhydrate de lidocaine, emla, versatis",
        compounds=("lidocaine",),
        member_of=_AMIDE,
    ),
    _allergen(
        "bupivacaine",
        "Bupivacaine",
        "substance",
        "bupivacaine, marcaine, sensorcaine, exparel",
        member_of=_AMIDE,
    ),
    _allergen(
        "mepivacaine",
        "Mepivacaine",
        "substance",
        "mepivacaine, carbocaine, scandonest, scandicaine, polocaine",
        member_of=_AMIDE,
    ),
    _allergen(
        "articaine",
        "Articaine",
        "substance",
        "articaine, carticaine, septanest, septocaine, ubistesin, orabloc",
        member_of=_AMIDE,
    ),
    _allergen("prilocaine", "Prilocaine", "substance", "prilocaine, citanest", member_of=_AMIDE),
    _allergen(
        "ropivacaine",
        "Ropivacaine",
        "substance",
        "ropivacaine, naropin, naropeine",
        member_of=_AMIDE,
    ),
    _allergen(
        "procaine",
        "Procaine",
        "substance",
        "procaine, procaine hydrochloride, novocaine, novocain, chlorhydrate de procaine",
        compounds=("procaine",),
        member_of=_ESTER,
        mark="V2",
        source="finucane-2003",
        cross_reaction="Procaine was marketed as Novocaine.",
    ),
    _allergen(
        "benzocaine", "Benzocaine", "substance", "benzocaine, anbesol, orajel", member_of=_ESTER
    ),
    _allergen(
        "tetracaine",
        "Tetracaine",
        "substance",
        "tetracaine, amethocaine, pontocaine, ametop",
        member_of=_ESTER,
    ),
    _allergen(
        "chloroprocaine",
        "Chloroprocaine",
        "substance",
        "chloroprocaine, nesacaine, clorotekal",
        member_of=_ESTER,
    ),
    _allergen(
        "soy",
        "Soy",
        "substance",
        "soy, soya, soja, soybean, soy bean, soya bean, soy lecithin, soya lecithin, "
        "lecithin, lecithine, lecithine de soja, graine de soja, feve de soja, "
        "phosphatidylcholine, lipostabil",
        compounds=("phosphatidylcholine",),
        cross_reaction="Injectable phosphatidylcholine is made from soy lecithin (unverified "
        "whether traces of soy protein remain).",
    ),
    _allergen(
        "egg", "Egg", "substance", "egg, eggs, egg yolk, egg lecithin, oeuf, oeufs, jaune d oeuf"
    ),
    _allergen(
        _NSAID,
        "Non-steroidal anti-inflammatory drugs (NSAIDs)",
        "class",
        "nsaid, nsaids, non steroidal anti inflammatory, anti inflammatoire non steroidien, ains",
        compounds=("ketoprofen", "piroxicam"),
        cross_reaction="Cross-reactions between NSAIDs are common in practice (unverified: "
        "no source was read for this catalogue).",
    ),
    _allergen(
        "ibuprofen",
        "Ibuprofen",
        "substance",
        "ibuprofen, ibuprofene, advil, nurofen, brufen",
        member_of=_NSAID,
    ),
    _allergen(
        "ketoprofen",
        "Ketoprofen",
        "substance",
        "ketoprofen, ketoprofene, profenid, bi profenid, toprec",
        compounds=("ketoprofen",),
        member_of=_NSAID,
    ),
    _allergen(
        "aspirin",
        "Aspirin",
        "substance",
        "aspirin, aspirine, acetylsalicylic acid, acide acetylsalicylique, kardegic",
        member_of=_NSAID,
    ),
    _allergen(
        "penicillin",
        "Penicillin",
        "substance",
        "penicillin, penicilline, amoxicillin, amoxicilline, augmentin, clamoxyl",
    ),
    _allergen(
        "sulfonamides",
        "Sulfonamides",
        "class",
        "sulfonamide, sulphonamide, sulfamide, sulfamethoxazole, bactrim",
    ),
    _allergen("latex", "Latex", "substance", "latex, natural rubber, caoutchouc"),
    _allergen("nickel", "Nickel", "substance", "nickel"),
    _allergen("chlorhexidine", "Chlorhexidine", "substance", "chlorhexidine, hibitane, biseptine"),
    _allergen(
        "parabens",
        "Parabens",
        "class",
        "paraben, parabens, methylparaben, methylparabene, propylparaben, parahydroxybenzoate",
    ),
    _allergen(
        "sulfites",
        "Sulfites",
        "class",
        "sulfite, sulphite, metabisulfite, metabisulphite, bisulfite, sulfites",
    ),
]


# --- Evidence and approval per use (compound x indication, in some zones or any) ----------


def _use_row(
    compound: str,
    indication: str,
    zones: tuple[str, ...] = (),
    evidence: tuple[str, str, str, list[str]] | None = None,
) -> dict[str, Any]:
    """One use; without `evidence`, the compound's own evidence, which is about this use."""
    if evidence is None:
        row = next(c for c in COMPOUNDS if c["slug"] == compound)
        evidence = (
            row["evidence_level"],
            row["evidence_summary"],
            row["evidence_verification"],
            row["evidence_sources"],
        )
    level, summary, mark, sources = evidence
    return {
        "key": f"{indication}:{','.join(zones)}",
        "indication": indication,
        "zones": list(zones),
        "evidence_level": level,
        "evidence_summary": summary,
        "evidence_verification": mark,
        "evidence_sources": sources,
    }


_GYNOID = ("thigh", "hip")
_SPLIT_THIGH = (
    "low",
    "In a randomised split-thigh trial of 20 women, a mixture of aminophylline, buflomedil "
    "and lidocaine did no better than the untreated thigh; the effect of each drug alone was "
    "not studied.",
    "V",
    ["park-2008"],
)
USES: dict[str, list[dict[str, Any]]] = {
    "deoxycholic-acid": [
        _use_row("deoxycholic-acid", "localised-adiposity", ("submental",)),
        _use_row(
            "deoxycholic-acid",
            "localised-adiposity",
            _GYNOID,
            (
                "low",
                "In a randomised split-body trial of 37 women with fat on the thighs and hips, "
                "deoxycholate alone and PC/DC reduced circumference alike (about 6%), with no "
                "untreated side for comparison. No regulator has approved this use.",
                "V",
                ["salti-2008"],
            ),
        ),
    ],
    "phosphatidylcholine": [_use_row("phosphatidylcholine", "localised-adiposity")],
    "lidocaine": [
        _use_row("lidocaine", "sports-injuries-pain", ("lower-back",)),
        _use_row("lidocaine", "localised-adiposity", ("thigh",), _SPLIT_THIGH),
    ],
    "aminophylline": [_use_row("aminophylline", "localised-adiposity", ("thigh",), _SPLIT_THIGH)],
    "buflomedil": [_use_row("buflomedil", "localised-adiposity", ("thigh",), _SPLIT_THIGH)],
    "ketoprofen": [_use_row("ketoprofen", "sports-injuries-pain", ("lower-back",))],
    "methylprednisolone": [_use_row("methylprednisolone", "sports-injuries-pain", ("lower-back",))],
    "minoxidil": [_use_row("minoxidil", "hair-loss", ("scalp",))],
    "hyaluronic-acid": [_use_row("hyaluronic-acid", "skin-ageing", ("face",))],
    "vitamin-c": [_use_row("vitamin-c", "skin-ageing", ("face",))],
}
# Which use a regulator's decision is about, and who decided; others concern the compound.
STATUS_USES: dict[tuple[str, str, str], str] = {
    ("deoxycholic-acid", "US", "approved"): "localised-adiposity:submental",
    ("deoxycholic-acid", "US", "off_label"): "localised-adiposity:thigh,hip",
    ("minoxidil", "US", "off_label"): "hair-loss:scalp",
}
REGULATORS = {"US": "FDA", "BR": "ANVISA", "FR": "French government (décret)"}
# Compounds of the shipped protocols, in the shipped jurisdictions: a decision or "unverified".
STATUS_JURISDICTIONS = ("FR", "US")
EXTRA_STATUSES: dict[str, list[dict[str, Any]]] = {
    "lidocaine": [
        _status(
            "US",
            "approved",
            "Local or regional anaesthesia by infiltration and nerve block (Xylocaine); "
            "mesotherapy is not among the labelled uses",
            "V",
            "dailymed-xylocaine",
        ),
    ],
    "procaine": [
        _status(
            "US",
            "approved",
            "Local or regional anaesthesia by infiltration and peripheral nerve block (Novocain)",
            "V",
            "dailymed-novocain",
        ),
    ],
}


# Effects seen only where one zone is treated; the others can follow any injection.
EFFECT_ZONES: dict[str, list[str]] = {
    "Hair loss with scarring inflammation at scalp injection sites": ["scalp"],
    "Abdominal haematoma": ["abdomen"],
    "Marginal mandibular nerve injury": ["submental"],
    "Difficulty swallowing (dysphagia)": ["submental"],
}
# What a patient reads where the catalogue's term is technical.
PLAIN_TERMS: dict[str, str] = {
    "Haematoma or bruising": "Bruising",
    "Marginal mandibular nerve injury": "Injury to the nerve of the lower lip, giving an "
    "uneven smile",
    "Granulomatous inflammation (in mycobacterial infections)": "Lumps of inflamed tissue "
    "(granulomas) with a mycobacterial infection",
    "Rapid perifolliculitis with neutropenia and raised liver enzymes": "Inflamed hair "
    "follicles around the injection sites, with fewer white blood cells and raised liver tests",
    "Localised urticaria pigmentosa triggered by mesotherapy": "Itchy brown patches of skin "
    "(urticaria pigmentosa) where injected",
    "Post-inflammatory hyperpigmentation": "Darker patches of skin after the inflammation",
    "Panniculitis (no case report reviewed)": "Inflammation of the fat under the skin "
    "(panniculitis; no case report reviewed)",
    "Lipoatrophy (not found in the review)": "Loss of fat under the skin, leaving a dent "
    "(lipoatrophy; not found in the review)",
    "Mycobacterium abscessus infection and fat necrosis after abdominal injections": "Skin "
    "infection with rapidly growing mycobacteria (Mycobacterium abscessus) and death of fat tissue "
    "after injections in the abdomen",
}


def _plain_effects(effects: list[dict[str, Any]]) -> None:
    for effect in effects:
        effect["zones"] = EFFECT_ZONES.get(effect["term"], [])
        effect["plain_term"] = PLAIN_TERMS.get(effect["term"], "")


def _covers(status: dict[str, Any], jurisdiction: str) -> bool:
    where = status["jurisdiction"]
    return where in {jurisdiction, "*"} or (where == "EU" and jurisdiction == "FR")


def _attach_uses() -> None:
    """Each compound's uses, its decisions' uses and regulators, and an explicit
    "unverified" for a protocol's compound with no decision in a shipped jurisdiction."""
    products = {p["slug"]: [c["compound"] for c in p["components"]] for p in PRODUCTS}
    in_protocols = {c for p in PROTOCOLS for i in p["items"] for c in products[i["product"]]}
    _plain_effects(TECHNIQUE_ADVERSE_EFFECTS)
    for compound in COMPOUNDS:
        slug = compound["slug"]
        _plain_effects(compound["adverse"])
        compound["uses"] = USES.get(slug, [])
        compound["regulatory"] = [*compound["regulatory"], *EXTRA_STATUSES.get(slug, [])]
        for status in compound["regulatory"]:
            status["use"] = STATUS_USES.get((slug, status["jurisdiction"], status["status"]))
            status["regulator"] = REGULATORS.get(status["jurisdiction"], "")
            if status["status"] == "unverified":
                status["regulator"] = ""
        for jurisdiction in STATUS_JURISDICTIONS if slug in in_protocols else ():
            if not any(_covers(s, jurisdiction) for s in compound["regulatory"]):
                compound["regulatory"].append(
                    {
                        **_status(
                            jurisdiction,
                            "unverified",
                            "No regulator's decision on this compound was checked for this "
                            "catalogue",
                            "U",
                            None,
                        ),
                        "use": None,
                        "regulator": "",
                    }
                )


_attach_uses()


# Aggregators, mirrors, news and clinic pages kept because nothing better was read for the
# fact: their publisher says "secondary source" wherever the source is cited.
SECONDARY_SOURCES = frozenset(
    {
        "healthday-kybella", "ecoworld-lipodissolve", "kybella-label-120ty", "kybella-safety",
        "dc-abdominal-study", "kybella-phase3", "wikipedia-injection-lipolysis", "skininc-2010",
        "anvisa-lipostabil", "wikisum-injection-lipolysis", "slideplayer-meso",
        "studylib-peru-ntm", "redorbit-cdc", "sapphireroots", "townsend-2008", "webmd-2005",
        "dictionnaire-medical", "doczz-french-practice", "mesoterapiargentina",
        "sim-consensus-2011", "konda-2013", "bhub-epidermal", "dermotherap", "phptraining",
        "mesoderm-techniques", "nadia-hair", "azam-morsi-2010", "moftah-dutasteride",
        "gajjar-2019", "akbas-2019", "cellulite-2017", "pabau-e65", "singsing-2022",
        "perifolliculitis", "cnep-2012",
    }
)  # fmt: skip
for _key in SECONDARY_SOURCES:
    _publisher = SOURCES[_key].get("publisher", "")
    if "secondary" not in _publisher:
        SOURCES[_key]["publisher"] = f"{_publisher} (secondary source)".strip()
