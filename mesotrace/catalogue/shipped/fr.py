"""French text of the shipped catalogue's patient-facing English text, keyed by the English.

A translation renders the same fact: it keeps the fact's numbers, source and verification
mark (they stay on the row) and adds nothing. Typography is French: `_typography` puts the
no-break space before « : ; ! ? % » and inside guillemets, and `~` marks a no-break space
inside a number (1~022). The décret n° 2011-382 summary uses the decree's own words
(Légifrance, JORFTEXT000023845272: « lyse adipocytaire utilisant des injections de
mélanges mésothérapeutiques »...). A text without an entry here shows in English, labelled
"not yet translated".
"""

from __future__ import annotations

import re

NBSP = "\u00a0"
_BEFORE = re.compile(r" ([:;!?%»])")
_AFTER = re.compile(r"« ")


def _typography(text: str) -> str:
    text = _BEFORE.sub(NBSP + r"\1", text.replace("~", NBSP))
    return _AFTER.sub("«" + NBSP, text)


# (English, French): the English exactly as in data.py.
_TEXT: list[tuple[str, str]] = [
    (
        "A bile acid that acts as a detergent and destroys fat cells. Approved in the US as "
        "Kybella only for moderate-to-severe fat under the chin; it is also the fat-dissolving "
        "part of PC/DC “lipodissolve” mixtures.",
        "Un acide biliaire qui agit comme un détergent et détruit les cellules graisseuses. "
        "Autorisé aux États-Unis sous le nom de Kybella uniquement pour la graisse sous le "
        "menton modérée à sévère ; c'est aussi le composant qui dissout la graisse dans les "
        "mélanges PC/DC « lipodissolve ».",
    ),
    (
        "Two phase 3 randomised trials in 1,022 adults found reductions of fat under the chin "
        "more often than with placebo; the FDA approved it for that area only.",
        "Deux essais randomisés de phase 3 chez 1~022 adultes ont observé une diminution de la "
        "graisse sous le menton plus souvent qu'avec le placebo ; la FDA ne l'a autorisé que "
        "pour cette zone.",
    ),
    (
        "Bruising",
        "Ecchymoses (bleus)",
    ),
    (
        "72% (label)",
        "72 % (notice)",
    ),
    (
        "Injury to the nerve of the lower lip, giving an uneven smile",
        "Atteinte du nerf de la lèvre inférieure, donnant un sourire asymétrique",
    ),
    (
        "4% (label); resolved in 1 to 298 days, median 44",
        "4 % (notice) ; résolution en 1 à 298 jours, médiane 44",
    ),
    (
        "2% (label); median 3 days",
        "2 % (notice) ; médiane 3 jours",
    ),
    (
        "reported on the label; frequency not given in the review",
        "signalé dans la notice ; fréquence non indiquée dans la revue",
    ),
    (
        "nodules at 2 weeks, fibrosis at 6 months",
        "nodules à 2 semaines, fibrose à 6 mois",
    ),
    (
        "Label: do not dilute or mix.",
        "Notice : ne pas diluer ni mélanger.",
    ),
    (
        "PC/DC injections reduce small fat collections through the detergent action of "
        "deoxycholate.",
        "Les injections de PC/DC réduisent de petits amas graisseux par l'action détergente du "
        "désoxycholate.",
    ),
    (
        "The phase 3 trials are reported as REFINE-1 and REFINE-2.",
        "Les essais de phase 3 sont publiés sous les noms REFINE-1 et REFINE-2.",
    ),
    (
        "In a randomised split-body trial of 37 women with fat on the thighs and hips, "
        "deoxycholate alone and PC/DC reduced circumference alike (about 6%), with no untreated "
        "side for comparison. No regulator has approved this use.",
        "Dans un essai randomisé en hémicorps chez 37 femmes présentant de la graisse sur les "
        "cuisses et les hanches, le désoxycholate seul et le PC/DC ont réduit la circonférence "
        "de façon comparable (environ 6 %), sans côté non traité pour comparaison. Aucune "
        "autorité n'a autorisé cet usage.",
    ),
    (
        "Moderate-to-severe submental fat (Kybella, Kythera)",
        "Graisse sous-mentonnière modérée à sévère (Kybella, Kythera)",
    ),
    (
        "Any area other than under the chin: “not approved and not recommended”",
        "Toute zone autre que sous le menton : « non autorisé et non recommandé »",
    ),
    (
        "Lipolysis by injection for aesthetic purposes (décret n° 2011-382)",
        "Lyse adipocytaire par injection à visée esthétique (décret n° 2011-382)",
    ),
    (
        "A phospholipid made from soy lecithin, usually injected with deoxycholate (PC/DC, "
        "“lipodissolve”, Lipostabil) to dissolve fat.",
        "Un phospholipide issu de la lécithine de soja, généralement injecté avec du "
        "désoxycholate (PC/DC, « lipodissolve », Lipostabil) pour dissoudre la graisse.",
    ),
    (
        "Split-body randomised trials found PC/DC no better than deoxycholate alone (37 women, "
        "2008; 42 subjects, submental, 2009): the fat loss is attributed to the deoxycholate.",
        "Des essais randomisés en hémicorps n'ont pas trouvé le PC/DC meilleur que le "
        "désoxycholate seul (37 femmes, 2008 ; 42 sujets, zone sous-mentonnière, 2009) : la "
        "perte de graisse est attribuée au désoxycholate.",
    ),
    (
        "Skin infection with rapidly growing mycobacteria (Mycobacterium abscessus) and death of "
        "fat tissue after injections in the abdomen",
        "Infection de la peau par des mycobactéries atypiques à croissance rapide (Mycobacterium "
        "abscessus) et nécrose du tissu graisseux après des injections dans l'abdomen",
    ),
    (
        "reported to the FDA",
        "signalé à la FDA",
    ),
    (
        "about 1 week after injection",
        "environ 1 semaine après l'injection",
    ),
    (
        "Soy allergy: phosphatidylcholine is made from soy lecithin.",
        "Allergie au soja : la phosphatidylcholine est issue de la lécithine de soja.",
    ),
    (
        "Three US societies (ASPS, ASAPS, ASDS) warned against injection lipolysis.",
        "Trois sociétés savantes américaines (ASPS, ASAPS, ASDS) ont mis en garde contre la "
        "lipolyse par injection.",
    ),
    (
        "The FDA listed “mesotherapy, lipozap, lipotherapy, injection lipolysis” as other names "
        "for “lipodissolve”.",
        "La FDA a cité « mésothérapie, lipozap, lipothérapie, lipolyse par injection » comme "
        "autres noms du « lipodissolve ».",
    ),
    (
        "Lipostabil (5% PC + 2.5% DC): fat embolism, dyslipidaemia and liver disease; not fat "
        "removal",
        "Lipostabil (PC 5 % + DC 2,5 %) : embolie graisseuse, dyslipidémie et maladies du foie "
        "; pas l'élimination de la graisse",
    ),
    (
        "Fat removal (“lipodissolve”): FDA warning letters on 7 April 2010 to six US medspas "
        "and a cyber letter to a Brazilian firm",
        "Élimination de la graisse (« lipodissolve ») : lettres d'avertissement de la FDA du 7 "
        "avril 2010 à six centres de médecine esthétique américains et un avertissement en "
        "ligne (« cyber letter ») à une société brésilienne",
    ),
    (
        "Lipostabil is not registered by ANVISA, so it cannot be made, imported, sold or used; "
        "fines R$2 thousand to 1.5 million (April 2011 per a secondary source)",
        "Le Lipostabil n'est pas enregistré par l'ANVISA : il ne peut donc être ni fabriqué, ni "
        "importé, ni vendu, ni utilisé ; amendes de 2~000 R$ à 1,5 million de R$ (avril 2011 "
        "selon une source secondaire)",
    ),
    (
        "A methylxanthine used in “lipolytic” mixtures meant to make fat cells release fat.",
        "Une méthylxanthine utilisée dans des mélanges « lipolytiques » destinés à faire "
        "libérer la graisse stockée dans les cellules graisseuses.",
    ),
    (
        "In a split-thigh randomised trial (20 women, 12 weeks) a mixture of aminophylline, "
        "buflomedil and lidocaine did no better than the untreated thigh: “not an effective "
        "alternative”.",
        "Dans un essai randomisé comparant les deux cuisses (20 femmes, 12 semaines), un "
        "mélange d'aminophylline, de buflomédil et de lidocaïne n'a pas fait mieux que la "
        "cuisse non traitée : « pas une alternative efficace ».",
    ),
    (
        "Part of the aminophylline + buflomedil + lidocaine mixture in a split-thigh trial.",
        "Composant du mélange aminophylline + buflomédil + lidocaïne d'un essai comparant les "
        "deux cuisses.",
    ),
    (
        "In a randomised split-thigh trial of 20 women, a mixture of aminophylline, buflomedil "
        "and lidocaine did no better than the untreated thigh; the effect of each drug alone "
        "was not studied.",
        "Dans un essai randomisé comparant les deux cuisses chez 20 femmes, un mélange "
        "d'aminophylline, de buflomédil et de lidocaïne n'a pas fait mieux que la cuisse non "
        "traitée ; l'effet de chaque médicament seul n'a pas été étudié.",
    ),
    (
        "Fat reduction",
        "Réduction de la graisse",
    ),
    (
        "Fat or cellulite reduction: no mesotherapy product is FDA-approved for it",
        "Réduction de la graisse ou de la cellulite : aucun produit de mésothérapie n'est "
        "autorisé par la FDA pour cet usage",
    ),
    (
        "A methylxanthine listed among “lipolytic” agents meant to stimulate fat breakdown.",
        "Une méthylxanthine citée parmi les agents « lipolytiques » censés stimuler la "
        "dégradation des graisses.",
    ),
    (
        "Fat-reducing effects of traditional mesotherapy ingredients are not supported in "
        "peer-reviewed studies.",
        "Les effets sur la graisse des ingrédients traditionnels de la mésothérapie ne sont pas "
        "étayés par les études publiées dans des revues à comité de lecture.",
    ),
    (
        "Listed among lipolytic agents.",
        "Cité parmi les agents lipolytiques.",
    ),
    (
        "No regulator's decision on this compound was checked for this catalogue",
        "Aucune décision d'une autorité sur cette substance n'a été vérifiée pour ce catalogue",
    ),
    (
        "A methylxanthine used in fat-reduction cocktails.",
        "Une méthylxanthine utilisée dans des cocktails de réduction de la graisse.",
    ),
    (
        "Listed in a Spanish cocktail list.",
        "Cité dans une liste espagnole de cocktails.",
    ),
    (
        "A nutrient used in fat-reduction cocktails.",
        "Un nutriment utilisé dans des cocktails de réduction de la graisse.",
    ),
    (
        "Used in cocktails.",
        "Utilisé dans des cocktails.",
    ),
    (
        "A keyword of a Peruvian case series of mycobacterial infections after mesotherapy.",
        "Un mot-clé d'une série de cas péruvienne d'infections à mycobactéries après mésothérapie.",
    ),
    (
        "A plant alkaloid listed as a “lipolytic” agent.",
        "Un alcaloïde végétal cité comme agent « lipolytique ».",
    ),
    (
        "Listed as lipolytic.",
        "Cité comme lipolytique.",
    ),
    (
        "An enzyme that breaks down collagen, used in body-mesotherapy cocktails.",
        "Une enzyme qui dégrade le collagène, utilisée dans des cocktails de mésothérapie "
        "corporelle.",
    ),
    (
        "Listed in cocktails.",
        "Cité dans des cocktails.",
    ),
    (
        "An enzyme that breaks down hyaluronic acid, used in body-mesotherapy cocktails.",
        "Une enzyme qui dégrade l'acide hyaluronique, utilisée dans des cocktails de "
        "mésothérapie corporelle.",
    ),
    (
        "A plant extract listed as “trophic” in body-mesotherapy mixtures.",
        "Un extrait végétal présenté comme « trophique » dans des mélanges de mésothérapie "
        "corporelle.",
    ),
    (
        "Listed as “trophic”.",
        "Présenté comme « trophique ».",
    ),
    (
        "Subcutaneous injection: artichoke and thuja extracts were injected in a "
        "CDC-investigated outbreak; none is FDA-approved for subcutaneous injection",
        "Injection sous-cutanée : des extraits d'artichaut et de thuya ont été injectés lors "
        "d'une épidémie étudiée par les CDC ; aucun n'est autorisé par la FDA en injection "
        "sous-cutanée",
    ),
    (
        "A silicon compound (mineral) used in body-mesotherapy cocktails, e.g. Conjonctyl.",
        "Un composé du silicium (minéral) utilisé dans des cocktails de mésothérapie "
        "corporelle, par exemple le Conjonctyl.",
    ),
    (
        "Listed among body-mesotherapy agents.",
        "Cité parmi les agents de mésothérapie corporelle.",
    ),
    (
        "Homeopathic preparations for injection, authorised for mesotherapy in Spain.",
        "Préparations homéopathiques injectables, autorisées en mésothérapie en Espagne.",
    ),
    (
        "No study of these preparations by mesotherapy was found in the reviewed sources.",
        "Aucune étude de ces préparations en mésothérapie n'a été trouvée dans les sources "
        "examinées.",
    ),
    (
        "outbreak",
        "épidémie",
    ),
    (
        "Mesotherapy: AEMPS-approved homeopathic injectables under RD 2208/1994",
        "Mésothérapie : injectables homéopathiques autorisés par l'AEMPS selon le RD 2208/1994",
    ),
    (
        "A vasodilator approved as a topical treatment for pattern hair loss; injected into the "
        "scalp by mesotherapy off-label.",
        "Un vasodilatateur autorisé en traitement local de l'alopécie androgénétique ; injecté "
        "dans le cuir chevelu par mésothérapie hors AMM.",
    ),
    (
        "A 2017 systematic review (5 studies, 344 patients, poor quality) suggests a benefit of "
        "hair mesotherapy but calls for more research. A 2019 trial in 49 men found mesotherapy "
        "no better than topical 5% minoxidil except for hair-shaft diameter.",
        "Une revue systématique de 2017 (5 études, 344 patients, de faible qualité) suggère un "
        "bénéfice de la mésothérapie capillaire mais appelle à davantage de recherches. Un "
        "essai de 2019 chez 49 hommes n'a pas trouvé la mésothérapie meilleure que le minoxidil "
        "5 % en application locale, sauf pour le diamètre de la tige du cheveu.",
    ),
    (
        "Compared with topical minoxidil in randomised trials.",
        "Comparé au minoxidil en application locale dans des essais randomisés.",
    ),
    (
        "In 60 women, minoxidil 2% by mesotherapy did better than the spray on self-evaluation "
        "and trichogram.",
        "Chez 60 femmes, le minoxidil 2 % en mésothérapie a fait mieux que le spray sur "
        "l'auto-évaluation et le trichogramme.",
    ),
    (
        "Androgenetic alopecia, as a topical product",
        "Alopécie androgénétique, en produit à application locale",
    ),
    (
        "Injected (mesotherapy) use for hair loss",
        "Usage injecté (mésothérapie) contre la chute de cheveux",
    ),
    (
        "A 5-alpha-reductase inhibitor injected into the scalp for pattern hair loss (off-label).",
        "Un inhibiteur de la 5-alpha-réductase injecté dans le cuir chevelu contre l'alopécie "
        "androgénétique (hors AMM).",
    ),
    (
        "In female pattern hair loss (126 patients, treatment versus control), dutasteride "
        "mesotherapy improved hair density and thickness.",
        "Dans l'alopécie androgénétique féminine (126 patientes, traitement contre témoin), la "
        "mésothérapie au dutastéride a amélioré la densité et l'épaisseur des cheveux.",
    ),
    (
        "2 cases reported",
        "2 cas rapportés",
    ),
    (
        "Hair loss: only topical minoxidil and oral finasteride are FDA-approved for "
        "androgenetic alopecia",
        "Chute de cheveux : seuls le minoxidil en application locale et le finastéride par voie "
        "orale sont autorisés par la FDA dans l'alopécie androgénétique",
    ),
    (
        "A 5-alpha-reductase inhibitor approved by mouth for pattern hair loss; injected use is "
        "off-label.",
        "Un inhibiteur de la 5-alpha-réductase autorisé par voie orale contre l'alopécie "
        "androgénétique ; l'usage injecté est hors AMM.",
    ),
    (
        "Included in a 2017 systematic review of hair mesotherapy (5 studies, 344 patients, "
        "poor quality) that suggests a benefit but calls for more research.",
        "Inclus dans une revue systématique de 2017 sur la mésothérapie capillaire (5 études, "
        "344 patients, de faible qualité) qui suggère un bénéfice mais appelle à davantage de "
        "recherches.",
    ),
    (
        "Included in the 2017 systematic review.",
        "Inclus dans la revue systématique de 2017.",
    ),
    (
        "Male pattern hair loss in men only, taken by mouth (Propecia); not for women or children",
        "Alopécie androgénétique masculine, chez l'homme uniquement, par voie orale (Propecia) "
        "; ni chez la femme ni chez l'enfant",
    ),
    (
        "A natural heparinoid used in scalp mixtures.",
        "Un héparinoïde naturel utilisé dans des mélanges pour le cuir chevelu.",
    ),
    (
        "No study of this compound by mesotherapy was found in the reviewed sources.",
        "Aucune étude de cette substance en mésothérapie n'a été trouvée dans les sources "
        "examinées.",
    ),
    (
        "A B vitamin used in hair cocktails.",
        "Une vitamine du groupe B utilisée dans des cocktails capillaires.",
    ),
    (
        "Used in hair cocktails (clinic page).",
        "Utilisé dans des cocktails capillaires (page d'une clinique).",
    ),
    (
        "A vitamin B5 derivative.",
        "Un dérivé de la vitamine B5.",
    ),
    (
        "Mesotherapy use of this compound was not confirmed in the reviewed sources.",
        "L'usage de cette substance en mésothérapie n'a pas été confirmé dans les sources "
        "examinées.",
    ),
    (
        "An ester local anaesthetic: Pistor's original mesotherapy drug (1952).",
        "Un anesthésique local de type ester : le médicament d'origine de la mésothérapie de "
        "Pistor (1952).",
    ),
    (
        "outbreak: 35 suspected cases",
        "épidémie : 35 cas suspects",
    ),
    (
        "Allergy to procaine or other ester local anaesthetics.",
        "Allergie à la procaïne ou à d'autres anesthésiques locaux de type ester.",
    ),
    (
        "Pistor's original drug (1952).",
        "Le médicament d'origine de Pistor (1952).",
    ),
    (
        "French description: the mixture “always contains procaine or xylocaine”.",
        "Selon une description française, le mélange contient toujours de la procaïne ou de la "
        "xylocaïne.",
    ),
    (
        "Adding a sodium-channel-blocking local anaesthetic to a lipolytic mixture “inhibits "
        "the intended lipolysis” (Obesity Reviews 2013).",
        "Ajouter un anesthésique local bloquant les canaux sodiques à un mélange lipolytique « "
        "inhibe la lipolyse recherchée » (Obesity Reviews 2013).",
    ),
    (
        "Subcutaneous use: the only substance approved for subcutaneous injection among those "
        "used in the 2005 Washington DC outbreak",
        "Usage sous-cutané : la seule substance autorisée en injection sous-cutanée parmi "
        "celles utilisées lors de l'épidémie de Washington DC en 2005",
    ),
    (
        "Local or regional anaesthesia by infiltration and peripheral nerve block (Novocain)",
        "Anesthésie locale ou locorégionale par infiltration et bloc nerveux périphérique "
        "(Novocain)",
    ),
    (
        "An amide local anaesthetic, used in pain mixtures and to reduce injection pain.",
        "Un anesthésique local de type amide, utilisé dans des mélanges antalgiques et pour "
        "diminuer la douleur de l'injection.",
    ),
    (
        "In a randomised trial of 84 people with acute low back pain, mesotherapy with "
        "lidocaine, ketoprofen and methylprednisolone worked as well as systemic treatment, "
        "with no significant difference. The effect of lidocaine alone was not studied.",
        "Dans un essai randomisé chez 84 personnes souffrant de lombalgie aiguë, la "
        "mésothérapie à la lidocaïne, au kétoprofène et à la méthylprednisolone a été aussi "
        "efficace que le traitement par voie générale, sans différence significative. L'effet "
        "de la lidocaïne seule n'a pas été étudié.",
    ),
    (
        "232 people with lesions; onset median 30.5 days (15-59)",
        "232 personnes atteintes de lésions ; délai d'apparition médian 30,5 jours (15-59)",
    ),
    (
        "Allergy to lidocaine or other amide local anaesthetics.",
        "Allergie à la lidocaïne ou à d'autres anesthésiques locaux de type amide.",
    ),
    (
        "Used in a low-back-pain randomised trial.",
        "Utilisé dans un essai randomisé sur la lombalgie.",
    ),
    (
        "Local or regional anaesthesia by infiltration and nerve block (Xylocaine); mesotherapy "
        "is not among the labelled uses",
        "Anesthésie locale ou locorégionale par infiltration et bloc nerveux (Xylocaine) ; la "
        "mésothérapie ne figure pas parmi les indications de la notice",
    ),
    (
        "An anti-inflammatory painkiller (NSAID) used in pain mixtures.",
        "Un antalgique anti-inflammatoire (AINS) utilisé dans des mélanges antalgiques.",
    ),
    (
        "Part of the mixture in a low-back-pain trial (84 people) that did as well as systemic "
        "treatment, with no significant difference.",
        "Composant du mélange d'un essai sur la lombalgie (84 personnes) aussi efficace que le "
        "traitement par voie générale, sans différence significative.",
    ),
    (
        "Low-back-pain trial: 160 mg per session.",
        "Essai sur la lombalgie : 160 mg par séance.",
    ),
    (
        "An anti-inflammatory painkiller (NSAID).",
        "Un antalgique anti-inflammatoire (AINS).",
    ),
    (
        "A corticosteroid used in some pain mixtures; traditional schools reject it.",
        "Un corticoïde utilisé dans certains mélanges antalgiques ; les écoles traditionnelles "
        "le rejettent.",
    ),
    (
        "Low-back-pain trial: 40 mg, then 20 mg.",
        "Essai sur la lombalgie : 40 mg, puis 20 mg.",
    ),
    (
        "Traditional French mesotherapy says “never cortisone”; practice conflicts.",
        "La mésothérapie française traditionnelle dit de ne jamais utiliser de cortisone ; les "
        "pratiques divergent.",
    ),
    (
        "The Argentine school also rejects cortisone.",
        "L'école argentine rejette aussi la cortisone.",
    ),
    (
        "A hormone listed by French practitioners for musculoskeletal use.",
        "Une hormone citée par des praticiens français pour un usage musculosquelettique.",
    ),
    (
        "Listed by French practitioners (“calcitonines”).",
        "Citée par des praticiens français (« calcitonines »).",
    ),
    (
        "A muscle relaxant.",
        "Un myorelaxant.",
    ),
    (
        "French practitioners list muscle relaxants (“décontracturants”) in general terms; this "
        "drug itself was not named in the reviewed sources.",
        "Des praticiens français citent les myorelaxants (« décontracturants ») en termes "
        "généraux ; ce médicament lui-même n'est pas nommé dans les sources examinées.",
    ),
    (
        "A drug that improves blood flow in peripheral circulation disorders.",
        "Un médicament qui améliore le débit sanguin dans les troubles de la circulation "
        "périphérique.",
    ),
    (
        "A vasodilator; used in a thigh-contouring mixture.",
        "Un vasodilatateur ; utilisé dans un mélange de remodelage des cuisses.",
    ),
    (
        "In a split-thigh randomised trial a mixture of aminophylline, buflomedil and lidocaine "
        "did no better than the untreated thigh.",
        "Dans un essai randomisé comparant les deux cuisses, un mélange d'aminophylline, de "
        "buflomédil et de lidocaïne n'a pas fait mieux que la cuisse non traitée.",
    ),
    (
        "Part of the split-thigh trial mixture.",
        "Composant du mélange de l'essai comparant les deux cuisses.",
    ),
    (
        "Reported EU suspension (around 2011) for cardiac and neurological toxicity; check "
        "before listing it as available",
        "Suspension signalée dans l'UE (vers 2011) pour toxicité cardiaque et neurologique ; à "
        "vérifier avant de le présenter comme disponible",
    ),
    (
        "A plant extract used for circulation.",
        "Un extrait végétal utilisé pour la circulation.",
    ),
    (
        "A plant extract containing coumarins, used for venous and lymphatic circulation.",
        "Un extrait végétal contenant des coumarines, utilisé pour la circulation veineuse et "
        "lymphatique.",
    ),
    (
        "Natural flavonoids used for venous circulation.",
        "Des flavonoïdes naturels utilisés pour la circulation veineuse.",
    ),
    (
        "A natural polysaccharide of the skin, injected to hydrate it.",
        "Un polysaccharide naturel de la peau, injecté pour l'hydrater.",
    ),
    (
        "The Italian Society of Mesotherapy consensus (2011) lists facial skin ageing among "
        "uses with demonstrated efficacy; no trial of this compound was reviewed.",
        "Le consensus de la Société italienne de mésothérapie (2011) range le vieillissement "
        "cutané du visage parmi les usages d'efficacité démontrée ; aucun essai de cette "
        "substance n'a été examiné.",
    ),
    (
        "Used for rejuvenation.",
        "Utilisé pour le rajeunissement.",
    ),
    (
        "A vitamin used in skin cocktails and for dark spots (hyperpigmentation).",
        "Une vitamine utilisée dans des cocktails pour la peau et contre les taches brunes "
        "(hyperpigmentation).",
    ),
    (
        "The epidermal technique is used for vitamin cocktails and for hyperpigmentation.",
        "La technique épidermique est utilisée pour les cocktails de vitamines et pour "
        "l'hyperpigmentation.",
    ),
    (
        "A synthetic compound used in skin cocktails.",
        "Un composé de synthèse utilisé dans des cocktails pour la peau.",
    ),
    (
        "onset 1 to 12 weeks after injection",
        "apparition 1 à 12 semaines après l'injection",
    ),
    (
        "noticed 6 to 10 weeks after injection; lasting weeks to months",
        "remarqué 6 à 10 semaines après l'injection ; dure des semaines à des mois",
    ),
    (
        "Lumps of inflamed tissue (granulomas) with a mycobacterial infection",
        "Boules de tissu enflammé (granulomes) avec une infection à mycobactéries",
    ),
    (
        "late onset, up to 1 year after uneventful sessions",
        "apparition tardive, jusqu'à 1 an après des séances sans incident",
    ),
    (
        "Inflamed hair follicles around the injection sites, with fewer white blood cells and "
        "raised liver tests",
        "Inflammation des follicules pileux autour des points d'injection, avec une baisse des "
        "globules blancs et un bilan hépatique élevé",
    ),
    (
        "about 2 weeks after injection",
        "environ 2 semaines après l'injection",
    ),
    (
        "Itchy brown patches of skin (urticaria pigmentosa) where injected",
        "Taches brunes de la peau qui démangent (urticaire pigmentaire) aux points d'injection",
    ),
    (
        "Darker patches of skin after the inflammation",
        "Taches plus foncées de la peau après l'inflammation",
    ),
    (
        "Inflammation of the fat under the skin (panniculitis; no case report reviewed)",
        "Inflammation de la graisse sous la peau (panniculite ; aucun cas publié examiné)",
    ),
    (
        "Loss of fat under the skin, leaving a dent (lipoatrophy; not found in the review)",
        "Perte de graisse sous la peau laissant un creux (lipoatrophie ; non trouvée dans la "
        "revue)",
    ),
    (
        "Pregnancy.",
        "Grossesse.",
    ),
    (
        "Breastfeeding.",
        "Allaitement.",
    ),
    (
        "Coagulation disorders.",
        "Troubles de la coagulation.",
    ),
    (
        "Skin infection at the injection site.",
        "Infection cutanée au point d'injection.",
    ),
    (
        "Children.",
        "Enfants.",
    ),
    (
        "Cardiac arrhythmia.",
        "Trouble du rythme cardiaque.",
    ),
    (
        "Uncontrolled diabetes.",
        "Diabète non équilibré.",
    ),
    (
        "Anticoagulant or antiplatelet medication (risk of bleeding and bruising).",
        "Traitement anticoagulant ou antiagrégant plaquettaire (risque de saignement et "
        "d'ecchymoses).",
    ),
    (
        "Allergy to any ingredient of the mix (matched on each compound's allergy keywords).",
        "Allergie à l'un des composants du mélange (recherchée d'après les mots-clés d'allergie "
        "de chaque substance).",
    ),
    (
        "Local fat (localised adiposity)",
        "Graisse localisée (adiposité localisée)",
    ),
    (
        "A fat deposit in one area (the source article's “local fat / overweight”), as opposed "
        "to obesity.",
        "Un amas graisseux dans une zone (« graisse localisée / surpoids » selon l'article "
        "source), par opposition à l'obésité.",
    ),
    (
        "Cellulite",
        "Cellulite",
    ),
    (
        "Dimpled skin, mostly on thighs and buttocks; the Italian consensus calls it oedematous "
        "fibrosclerotic panniculopathy.",
        "Peau capitonnée, surtout sur les cuisses et les fesses ; le consensus italien "
        "l'appelle panniculopathie œdémato-fibrosclérotique.",
    ),
    (
        "Hair loss (androgenetic alopecia)",
        "Chute de cheveux (alopécie androgénétique)",
    ),
    (
        "Pattern hair loss in men and women.",
        "Chute de cheveux androgénétique chez l'homme et chez la femme.",
    ),
    (
        "Sports injuries and musculoskeletal pain",
        "Blessures sportives et douleurs musculosquelettiques",
    ),
    (
        "Painful local conditions such as low back pain: the original use of mesotherapy.",
        "Douleurs localisées comme la lombalgie : l'usage d'origine de la mésothérapie.",
    ),
    (
        "Circulation: venous and lymphatic insufficiency (“heavy legs”)",
        "Circulation : insuffisance veineuse et lymphatique (« jambes lourdes »)",
    ),
    (
        "Chronic venous-lymphatic insufficiency of the legs.",
        "Insuffisance veino-lymphatique chronique des jambes.",
    ),
    (
        "Skin rejuvenation (facial skin ageing)",
        "Rajeunissement cutané (vieillissement de la peau du visage)",
    ),
    (
        "Ageing of the facial skin; listed among uses with demonstrated efficacy by the Italian "
        "Society of Mesotherapy consensus.",
        "Vieillissement de la peau du visage ; rangé parmi les usages d'efficacité démontrée "
        "par le consensus de la Société italienne de mésothérapie.",
    ),
    (
        "Abdomen",
        "Abdomen",
    ),
    (
        "Thigh",
        "Cuisse",
    ),
    (
        "Buttock",
        "Fesse",
    ),
    (
        "Upper arm",
        "Bras",
    ),
    (
        "Scalp",
        "Cuir chevelu",
    ),
    (
        "Flank",
        "Flanc",
    ),
    (
        "Under the chin (submental)",
        "Sous le menton (région sous-mentonnière)",
    ),
    (
        "Face",
        "Visage",
    ),
    (
        "Lower back",
        "Bas du dos",
    ),
    (
        "Knee",
        "Genou",
    ),
    (
        "Lower leg",
        "Jambe",
    ),
    (
        "Hip (trochanteric region)",
        "Hanche (région trochantérienne)",
    ),
    (
        "Acute low back pain: lidocaine, ketoprofen, methylprednisolone",
        "Lombalgie aiguë : lidocaïne, kétoprofène, méthylprednisolone",
    ),
    (
        "In a randomised trial of 84 people with acute low back pain, mesotherapy and systemic "
        "anti-inflammatory treatment both improved pain (VAS) and disability (Roland-Morris), "
        "with no significant difference at the end of treatment or at 6 months. An "
        "emergency-department trial found larger pain reductions than with intravenous "
        "dexketoprofen (Akbas 2019).",
        "Dans un essai randomisé chez 84 personnes souffrant de lombalgie aiguë, la "
        "mésothérapie et le traitement anti-inflammatoire par voie générale ont tous deux "
        "amélioré la douleur (EVA) et le handicap (Roland-Morris), sans différence "
        "significative en fin de traitement ni à 6 mois. Un essai aux urgences a observé une "
        "baisse de la douleur plus importante qu'avec le dexkétoprofène par voie intraveineuse "
        "(Akbas 2019).",
    ),
    (
        "Days 1, 4, 7, 10 and 13 (trial schedule).",
        "Jours 1, 4, 7, 10 et 13 (calendrier de l'essai).",
    ),
    (
        "Thigh fat: aminophylline, buflomedil, lidocaine (split-thigh trial)",
        "Graisse des cuisses : aminophylline, buflomédil, lidocaïne (essai comparant les deux "
        "cuisses)",
    ),
    (
        "In a split-thigh randomised trial (20 women, 12 weeks) the treated thigh did no better "
        "than the untreated one on girth and CT fat measures, and satisfaction was poor. The "
        "authors concluded it is “not an effective alternative”.",
        "Dans un essai randomisé comparant les deux cuisses (20 femmes, 12 semaines), la cuisse "
        "traitée n'a pas fait mieux que la cuisse non traitée sur le tour de cuisse et les "
        "mesures de graisse au scanner, et la satisfaction était faible. Les auteurs ont conclu "
        "que ce n'est « pas une alternative efficace ».",
    ),
    (
        "Weekly for 12 weeks (trial schedule).",
        "Une fois par semaine pendant 12 semaines (calendrier de l'essai).",
    ),
    (
        "Injection lipolysis: PC/DC for gynoid fat",
        "Lipolyse par injection : PC/DC pour la graisse gynoïde",
    ),
    (
        "In a double-blind split-body trial (37 women) PC/DC and deoxycholate alone both "
        "reduced circumference (-6.46% and -6.77%) and ultrasound fat thickness (-36.87% and "
        "-36.06%), with no difference between sides; there was no untreated control. Not "
        "approved for fat removal anywhere in the reviewed sources.",
        "Dans un essai en double aveugle en hémicorps (37 femmes), le PC/DC et le désoxycholate "
        "seul ont tous deux réduit la circonférence (-6,46 % et -6,77 %) et l'épaisseur de "
        "graisse à l'échographie (-36,87 % et -36,06 %), sans différence entre les côtés ; il "
        "n'y avait pas de témoin non traité. Non autorisé pour l'élimination de la graisse dans "
        "aucune des sources examinées.",
    ),
    (
        "4 sessions every 8 weeks (trial schedule).",
        "4 séances toutes les 8 semaines (calendrier de l'essai).",
    ),
    (
        "Fat under the chin: deoxycholic acid (Kybella label)",
        "Graisse sous le menton : acide désoxycholique (notice de Kybella)",
    ),
    (
        "Two phase 3 randomised trials in 1,022 adults found reductions of fat under the chin "
        "more often than with placebo. Approved in the US for this area only (29 April 2015).",
        "Deux essais randomisés de phase 3 chez 1~022 adultes ont observé une diminution de la "
        "graisse sous le menton plus souvent qu'avec le placebo. Autorisé aux États-Unis pour "
        "cette seule zone (29 avril 2015).",
    ),
    (
        "Label: up to 6 sessions, at least 1 month apart.",
        "Notice : jusqu'à 6 séances, espacées d'au moins 1 mois.",
    ),
    (
        "Cellulite: caffeine, artichoke and organic silicon (example mix)",
        "Cellulite : caféine, artichaut et silicium organique (exemple de mélange)",
    ),
    (
        "An uncontrolled study of intradermal mesotherapy in 21 women reported improvement from "
        "baseline on ultrasound, thigh circumference and cellulite grade, with BMI unchanged. "
        "Fat-reducing effects of traditional ingredients are not supported in peer-reviewed "
        "studies.",
        "Une étude non contrôlée de mésothérapie intradermique chez 21 femmes a rapporté une "
        "amélioration par rapport à l'état initial à l'échographie, sur le tour de cuisse et "
        "sur le grade de cellulite, sans modification de l'IMC. Les effets sur la graisse des "
        "ingrédients traditionnels ne sont pas étayés par les études publiées dans des revues à "
        "comité de lecture.",
    ),
    (
        "No cellulite schedule was found in the reviewed sources; 12 weekly sessions are "
        "borrowed from the split-thigh trial of body mesotherapy.",
        "Aucun calendrier pour la cellulite n'a été trouvé dans les sources examinées ; les 12 "
        "séances hebdomadaires sont reprises de l'essai de mésothérapie corporelle comparant "
        "les deux cuisses.",
    ),
    (
        "Hair loss: minoxidil 2%",
        "Chute de cheveux : minoxidil 2 %",
    ),
    (
        "A 2017 systematic review (5 studies, 344 patients, poor quality) suggests a benefit "
        "but calls for more research. A 2019 trial in 49 men found mesotherapy no better than "
        "topical 5% minoxidil, except for hair-shaft diameter.",
        "Une revue systématique de 2017 (5 études, 344 patients, de faible qualité) suggère un "
        "bénéfice mais appelle à davantage de recherches. Un essai de 2019 chez 49 hommes n'a "
        "pas trouvé la mésothérapie meilleure que le minoxidil 5 % en application locale, sauf "
        "pour le diamètre de la tige du cheveu.",
    ),
    (
        "Every other week for 2-3 months, then monthly to about 10 sessions; maintenance every "
        "3 months (clinic practice). A trial used weekly for a month, every 2 weeks for a "
        "month, then monthly for 4 months.",
        "Toutes les deux semaines pendant 2 à 3 mois, puis une fois par mois jusqu'à environ 10 "
        "séances ; entretien tous les 3 mois (pratique d'une clinique). Un essai a utilisé une "
        "séance par semaine pendant un mois, toutes les 2 semaines pendant un mois, puis une "
        "fois par mois pendant 4 mois.",
    ),
    (
        "Heavy legs: troxerutin and melilotus (example mix)",
        "Jambes lourdes : troxérutine et mélilot (exemple de mélange)",
    ),
    (
        "The Italian Society of Mesotherapy consensus (2011) lists chronic venous-lymphatic "
        "insufficiency among uses with demonstrated efficacy; no trial of this mix was "
        "reviewed.",
        "Le consensus de la Société italienne de mésothérapie (2011) range l'insuffisance "
        "veino-lymphatique chronique parmi les usages d'efficacité démontrée ; aucun essai de "
        "ce mélange n'a été examiné.",
    ),
    (
        "No schedule was found in the reviewed sources; the practitioner sets it in the plan.",
        "Aucun calendrier n'a été trouvé dans les sources examinées ; le praticien le fixe dans "
        "le plan.",
    ),
    (
        "Skin rejuvenation: hyaluronic acid and vitamin C (epidermal technique)",
        "Rajeunissement cutané : acide hyaluronique et vitamine C (technique épidermique)",
    ),
    (
        "The Italian Society of Mesotherapy consensus (2011) lists facial skin ageing among "
        "uses with demonstrated efficacy; no trial of this mix was reviewed.",
        "Le consensus de la Société italienne de mésothérapie (2011) range le vieillissement "
        "cutané du visage parmi les usages d'efficacité démontrée ; aucun essai de ce mélange "
        "n'a été examiné.",
    ),
    (
        "Décret n° 2011-382 du 11 avril 2011",
        "Décret n° 2011-382 du 11 avril 2011",
    ),
    (
        "Bans, for aesthetic purposes, lysis of fat cells (lipolysis) by injection of "
        "mesotherapy mixtures, of hypo-osmolar solutions, or of phosphatidylcholine / sodium "
        "deoxycholate.",
        "Interdit, à visée esthétique, la lyse adipocytaire (lipolyse) utilisant des injections "
        "de mélanges mésothérapeutiques, de solutions hypo-osmolaires ou de produits "
        "lipolytiques (phosphatidylcholine ou déoxycholate de sodium).",
    ),
    (
        "Haematoma or bruising",
        "Hématome ou ecchymose",
    ),
    (
        "Marginal mandibular nerve injury",
        "Lésion de la branche marginale mandibulaire du nerf facial",
    ),
    (
        "Difficulty swallowing (dysphagia)",
        "Difficulté à avaler (dysphagie)",
    ),
    (
        "Swelling, pain, numbness, redness and hardening (induration) at the site",
        "Œdème, douleur, engourdissement, rougeur et durcissement (induration) au point "
        "d'injection",
    ),
    (
        "Injection-site hair loss, ulceration or necrosis",
        "Perte de poils, ulcération ou nécrose au point d'injection",
    ),
    (
        "Intense pain, nodules at 2 weeks and fibrosis at 6 months (abdominal study)",
        "Douleur intense, nodules à 2 semaines et fibrose à 6 mois (étude abdominale)",
    ),
    (
        "Mycobacterium abscessus infection and fat necrosis after abdominal injections",
        "Infection à Mycobacterium abscessus et cytostéatonécrose après des injections abdominales",
    ),
    (
        "Permanent scarring, skin deformation, deep painful knots under the skin",
        "Cicatrices permanentes, déformation de la peau, nodules profonds et douloureux sous la "
        "peau",
    ),
    (
        "Intense eosinophilic local reaction with purpuric plaques and blisters (PC 5% + "
        "L-carnitine 1%)",
        "Réaction locale intense à éosinophiles avec plaques purpuriques et bulles (PC 5 % + "
        "L-carnitine 1 %)",
    ),
    (
        "Mycobacterium abscessus infections from contaminated multi-dose vials (Spain 2009: 17 "
        "of 77 treated at one clinic; product withdrawn, factory line suspended)",
        "Infections à Mycobacterium abscessus dues à des flacons multidoses contaminés (Espagne "
        "2009 : 17 des 77 personnes traitées dans une clinique ; produit retiré, ligne de "
        "fabrication suspendue)",
    ),
    (
        "Paradoxical patchy non-scarring hair loss (one case with skin atrophy)",
        "Chute de cheveux paradoxale en plaques, non cicatricielle (un cas avec atrophie cutanée)",
    ),
    (
        "Patchy hair loss leaving a residual scarred (cicatricial) area",
        "Chute de cheveux en plaques laissant une zone cicatricielle résiduelle",
    ),
    (
        "Mycobacterium chelonae infection: the organism grew from a procaine vial (Lima "
        "outbreak, 2004-2005)",
        "Infection à Mycobacterium chelonae : le germe a été cultivé à partir d'un flacon de "
        "procaïne (épidémie de Lima, 2004-2005)",
    ),
    (
        "Mycobacterial skin abscesses (M. chelonae subsp. abscessus): a Colombian outbreak was "
        "traced to contaminated lidocaine carpules",
        "Abcès cutanés à mycobactéries (M. chelonae subsp. abscessus) : une épidémie en "
        "Colombie a été attribuée à des carpules de lidocaïne contaminées",
    ),
    (
        "Infection with rapidly growing mycobacteria (M. abscessus, M. chelonae): nodules and "
        "abscesses, mostly on the abdomen and buttocks",
        "Infection à mycobactéries atypiques (non tuberculeuses) à croissance rapide (M. "
        "abscessus, M. chelonae) : nodules et abcès, surtout sur l'abdomen et les fesses",
    ),
    (
        "Mycobacterial infections usually heal on antibiotics, often after several courses and "
        "often with scarring (423 patients in 30 articles)",
        "Les infections à mycobactéries guérissent généralement sous antibiotiques, souvent "
        "après plusieurs traitements et souvent avec des cicatrices (423 patients dans 30 "
        "articles)",
    ),
    (
        "Persistent redness, swelling, drainage and ulceration; fat necrosis",
        "Rougeur (érythème), œdème, écoulement et ulcération persistants ; cytostéatonécrose",
    ),
    (
        "Granulomatous inflammation (in mycobacterial infections)",
        "Inflammation granulomateuse (dans les infections à mycobactéries)",
    ),
    (
        "Hair loss with scarring inflammation at scalp injection sites",
        "Chute de cheveux avec inflammation cicatricielle aux points d'injection du cuir chevelu",
    ),
    (
        "Rapid perifolliculitis with neutropenia and raised liver enzymes",
        "Périfolliculite rapide avec neutropénie et élévation des enzymes hépatiques",
    ),
    (
        "Localised urticaria pigmentosa triggered by mesotherapy",
        "Urticaire pigmentaire localisée déclenchée par la mésothérapie",
    ),
    (
        "Abdominal haematoma",
        "Hématome abdominal",
    ),
    (
        "Post-inflammatory hyperpigmentation",
        "Hyperpigmentation post-inflammatoire",
    ),
    (
        "Skin necrosis from alcohol- or oil-based substances, which should not be used",
        "Nécrose cutanée due à des substances à base d'alcool ou d'huile, qui ne doivent pas "
        "être utilisées",
    ),
    (
        "Panniculitis (no case report reviewed)",
        "Panniculite (aucun cas publié examiné)",
    ),
    (
        "Lipoatrophy (not found in the review)",
        "Lipoatrophie (non trouvée dans la revue)",
    ),
    # The notes staff read beside a fact: codes, doses, products, technique and mix,
    # body zones, a rule's later decisions and allergy cross-reactions.
    (
        "Label, one treatment: up to 50 injections of 0.2 mL of 10 mg/mL, 10 mL in all, so 100 mg.",
        "Notice, un traitement : jusqu'à 50 injections de 0,2 mL à 10 mg/mL, soit 10 mL au "
        "total, donc 100 mg.",
    ),
    (
        "Label: up to 50 injections, 1 cm apart, per treatment.",
        "Notice : jusqu'à 50 injections, espacées de 1 cm, par traitement.",
    ),
    (
        "Label: 0.2 mL of 10 mg/mL per injection (2 mg/cm²).",
        "Notice : 0,2 mL à 10 mg/mL par injection (2 mg/cm²).",
    ),
    (
        "“Phospholipids”: the code covers liver products, not fat reduction.",
        "« Phospholipides » : ce code couvre des médicaments du foie, pas la réduction de la "
        "graisse.",
    ),
    (
        "N06BC01 systemic; D11AX26 dermatological.",
        "N06BC01 voie systémique ; D11AX26 dermatologique.",
    ),
    (
        "D03BA02 topical; M09AB02 collagenase Clostridium histolyticum.",
        "D03BA02 topique ; M09AB02 collagénase de Clostridium histolyticum.",
    ),
    (
        "No ATC code was found in the reference review.",
        "Aucun code ATC n'a été trouvé dans la revue de référence.",
    ),
    (
        "Not applicable to homeopathic preparations.",
        "Sans objet pour les préparations homéopathiques.",
    ),
    (
        "C02DC01 systemic; D11AX01 dermatological.",
        "C02DC01 voie systémique ; D11AX01 dermatologique.",
    ),
    (
        "G04CB01 systemic; D11AX10 dermatological.",
        "G04CB01 voie systémique ; D11AX10 dermatologique.",
    ),
    (
        "N01BA02 local anaesthetic; also C05AD05 and S01HA05.",
        "N01BA02 anesthésique local ; aussi C05AD05 et S01HA05.",
    ),
    (
        "Novocain label, infiltration: “350 mg to 600 mg is generally considered to be a "
        "single safe total dose”; the lower figure is enforced. Doses are reduced for the "
        "elderly, the debilitated and in cardiac or liver disease.",
        "Notice de Novocain, infiltration : « 350 mg à 600 mg sont généralement considérés "
        "comme une dose totale unique sûre » ; le chiffre le plus bas est appliqué. Les doses"
        " sont réduites chez les personnes âgées, les patients affaiblis et en cas de maladie"
        " cardiaque ou hépatique.",
    ),
    (
        "Xylocaine label, without epinephrine: keep below 300 mg and never above 4.5 mg/kg. "
        "Lidocaine from every product of a session adds up. Adults: doses are reduced for "
        "children, the elderly, the debilitated and in cardiac or liver disease, where no "
        "adult figure applies.",
        "Notice de Xylocaine, sans adrénaline : rester sous 300 mg et ne jamais dépasser 4,5 "
        "mg/kg. La lidocaïne de tous les produits d'une séance s'additionne. Adultes : les "
        "doses sont réduites chez l'enfant, les personnes âgées, les patients affaiblis et en"
        " cas de maladie cardiaque ou hépatique, où aucun chiffre adulte ne s'applique.",
    ),
    (
        "Xylocaine label, with epinephrine: keep below 500 mg and never above 7 mg/kg. "
        "Adults: doses are reduced for children, the elderly, the debilitated and in cardiac "
        "or liver disease, where no adult figure applies.",
        "Notice de Xylocaine, avec adrénaline : rester sous 500 mg et ne jamais dépasser 7 "
        "mg/kg. Adultes : les doses sont réduites chez l'enfant, les personnes âgées, les "
        "patients affaiblis et en cas de maladie cardiaque ou hépatique, où aucun chiffre "
        "adulte ne s'applique.",
    ),
    (
        "M01AE03 systemic; M02AA10 topical.",
        "M01AE03 voie systémique ; M02AA10 topique.",
    ),
    (
        "M01AC01 systemic; M02AA07 topical.",
        "M01AC01 voie systémique ; M02AA07 topique.",
    ),
    (
        "“Ginkgo folium”.",
        "« Ginkgo folium ».",
    ),
    (
        "C05CA01 rutoside; C05CA04 troxerutin.",
        "C05CA01 rutoside ; C05CA04 troxérutine.",
    ),
    (
        "D03AX05 dermatological; M09AX01 intra-articular.",
        "D03AX05 dermatologique ; M09AX01 intra-articulaire.",
    ),
    (
        "2 mL single-patient vials; do not dilute or mix (label). Approved as Kybella "
        "(Kythera), HealthDay 2015.",
        "Flacons de 2 mL à usage unique (un seul patient) ; ne pas diluer ni mélanger "
        "(notice). Autorisé sous le nom de Kybella (Kythera), HealthDay 2015.",
    ),
    (
        "Approved in Germany for fat embolism, dyslipidaemia and liver disease, not for fat "
        "removal.",
        "Autorisé en Allemagne pour l'embolie graisseuse, les dyslipidémies et les maladies "
        "du foie, pas pour l'élimination de la graisse.",
    ),
    (
        "Strength not given in the reviewed sources.",
        "Concentration non indiquée dans les sources examinées.",
    ),
    (
        "Generic product: the clinic records the brand and lot it actually uses. Strengths "
        "not given in the reviewed summary.",
        "Produit générique : la clinique enregistre la marque et le lot qu'elle utilise "
        "réellement. Concentrations non indiquées dans le résumé examiné.",
    ),
    (
        "Generic product: the clinic records the brand and lot it actually uses.",
        "Produit générique : la clinique enregistre la marque et le lot qu'elle utilise "
        "réellement.",
    ),
    (
        "Xylocaine MPF: single-dose solutions without preservative; discard what is left "
        "after one use.",
        "Xylocaine MPF : solutions unidoses sans conservateur ; jeter le reste après une "
        "seule utilisation.",
    ),
    (
        "Xylocaine multiple-dose vials hold 1 mg/mL methylparaben as preservative. Discard 28"
        " days after the first puncture unless the manufacturer says otherwise (unverified: "
        "the common default, not read on this label).",
        "Les flacons multidoses de Xylocaine contiennent 1 mg/mL de méthylparabène comme "
        "conservateur. Jeter 28 jours après la première ponction, sauf indication contraire "
        "du fabricant (non vérifié : la règle courante, non lue sur cette notice).",
    ),
    (
        "Xylocaine with epinephrine in multiple-dose vials holds 1 mg/mL methylparaben. "
        "Discard 28 days after the first puncture unless the manufacturer says otherwise "
        "(unverified: the common default, not read on this label).",
        "La Xylocaine adrénalinée en flacons multidoses contient 1 mg/mL de méthylparabène. "
        "Jeter 28 jours après la première ponction, sauf indication contraire du fabricant "
        "(non vérifié : la règle courante, non lue sur cette notice).",
    ),
    (
        "Novocain 1% ampul: no antimicrobial preservative; one use.",
        "Ampoule de Novocain 1 % : sans conservateur antimicrobien ; usage unique.",
    ),
    (
        "Novocain vials: chlorobutanol is added as preservative in the multiple-dose vials. "
        "Discard 28 days after the first puncture unless the manufacturer says otherwise "
        "(unverified: the common default, not read on this label).",
        "Flacons de Novocain : du chlorobutanol est ajouté comme conservateur dans les "
        "flacons multidoses. Jeter 28 jours après la première ponction, sauf indication "
        "contraire du fabricant (non vérifié : la règle courante, non lue sur cette notice).",
    ),
    (
        "Generic product: the clinic records the brand and lot it actually uses. The "
        "split-thigh trial summary does not give the strength.",
        "Produit générique : la clinique enregistre la marque et le lot qu'elle utilise "
        "réellement. Le résumé de l'essai en cuisses comparées ne donne pas la concentration.",
    ),
    (
        "Generic product: the clinic records the brand and lot it actually uses. The trial "
        "gave 1 mL containing 160 mg per session.",
        "Produit générique : la clinique enregistre la marque et le lot qu'elle utilise "
        "réellement. L'essai a administré 1 mL contenant 160 mg par séance.",
    ),
    (
        "Generic product: the clinic records the brand and lot it actually uses. The trial "
        "gave 1 mL of 40 mg, then 20 mg.",
        "Produit générique : la clinique enregistre la marque et le lot qu'elle utilise "
        "réellement. L'essai a administré 1 mL de 40 mg, puis de 20 mg.",
    ),
    (
        "Generic product: the clinic records the brand and lot it actually uses. Check its "
        "availability in the EU (reported suspension, unverified).",
        "Produit générique : la clinique enregistre la marque et le lot qu'elle utilise "
        "réellement. Vérifiez sa disponibilité dans l'UE (suspension signalée, non vérifiée).",
    ),
    (
        "Generic product: the clinic records the brand and lot it actually uses. Not "
        "FDA-approved for subcutaneous injection.",
        "Produit générique : la clinique enregistre la marque et le lot qu'elle utilise "
        "réellement. Non autorisé par la FDA en injection sous-cutanée.",
    ),
    (
        "Generic product: the clinic records the brand and lot it actually uses. Its use in "
        "mesotherapy was not confirmed in the reviewed sources.",
        "Produit générique : la clinique enregistre la marque et le lot qu'elle utilise "
        "réellement. Son usage en mésothérapie n'a pas été confirmé dans les sources "
        "examinées.",
    ),
    (
        "E65 “Localized adiposity”. Do not use E66, which is obesity.",
        "E65 « Adiposité localisée ». Ne pas utiliser E66, qui est l'obésité.",
    ),
    (
        "No dedicated ICD-10 code was found. Never code cellulite as L03: L03 is cellulitis, "
        "a bacterial skin infection.",
        "Aucun code CIM-10 spécifique n'a été trouvé. Ne jamais coder la cellulite en L03 : "
        "L03 est la cellulite infectieuse, une infection bactérienne de la peau.",
    ),
    (
        "L64 was not looked up in the reference review. Other hair-loss codes found there: "
        "alopecia areata L63, telogen effluvium L65.0.",
        "L64 n'a pas été recherché dans la revue de référence. Autres codes de chute de "
        "cheveux qui y figurent : pelade L63, effluvium télogène L65.0.",
    ),
    (
        "No single code: code the diagnosis treated. None was looked up in the reference review.",
        "Pas de code unique : coder le diagnostic traité. Aucun n'a été recherché dans la "
        "revue de référence.",
    ),
    (
        "No code was looked up in the reference review.",
        "Aucun code n'a été recherché dans la revue de référence.",
    ),
    (
        "The older code 113345001 “Abdominal structure” is still seen in code.",
        "L'ancien code 113345001 « Abdominal structure » se voit encore dans du code.",
    ),
    (
        "No SNOMED CT code was checked in the reference review.",
        "Aucun code SNOMED CT n'a été vérifié dans la revue de référence.",
    ),
    (
        "One code file mislabels it “left deltoid”; most label it buttock.",
        "Un fichier de codes le libelle à tort « left deltoid » ; la plupart le libellent fesse.",
    ),
    (
        "DICOM meaning “Arm”.",
        "Signification DICOM « Arm ».",
    ),
    (
        "Candidate code only; check it in a SNOMED browser.",
        "Code candidat seulement ; vérifiez-le dans un navigateur SNOMED.",
    ),
    (
        "General intradermal technique, not stated by the trial: depth at most 4 mm (Konda & "
        "Thappa), a single 4 mm 27 G needle at 30-45°, 0.1-0.2 mL per point, points 2-3 cm "
        "apart.",
        "Technique intradermique générale, non précisée par l'essai : profondeur de 4 mm au "
        "plus (Konda et Thappa), une seule aiguille de 4 mm 27 G à 30-45°, 0,1-0,2 mL par "
        "point, points espacés de 2-3 cm.",
    ),
    (
        "1 mL of each per session; methylprednisolone 40 mg, then 20 mg.",
        "1 mL de chacun par séance ; méthylprednisolone 40 mg, puis 20 mg.",
    ),
    (
        "1 mL per session",
        "1 mL par séance",
    ),
    (
        "1 mL (160 mg) per session",
        "1 mL (160 mg) par séance",
    ),
    (
        "1 mL per session: 40 mg, then 20 mg",
        "1 mL par séance : 40 mg, puis 20 mg",
    ),
    (
        "Injection gun into the superficial dermis (trial); the superficial intradermal class"
        " is at most 2 mm deep (Argentine school).",
        "Pistolet injecteur dans le derme superficiel (essai) ; la classe intradermique "
        "superficielle va jusqu'à 2 mm de profondeur au plus (école argentine).",
    ),
    (
        "Proportions not given in the trial summary.",
        "Proportions non indiquées dans le résumé de l'essai.",
    ),
    (
        "Depth, needle and technique are not given in the reviewed summary.",
        "Profondeur, aiguille et technique ne sont pas indiquées dans le résumé examiné.",
    ),
    (
        "Strengths not given in the reviewed summary.",
        "Concentrations non indiquées dans le résumé examiné.",
    ),
    (
        "0.2 mL per injection, 1 cm apart (2 mg/cm²), at most 50 injections (10 mL) per "
        "session; do not dilute or mix. Depth and needle are not given in the reviewed "
        "sources.",
        "0,2 mL par injection, espacées de 1 cm (2 mg/cm²), au plus 50 injections (10 mL) par"
        " séance ; ne pas diluer ni mélanger. Profondeur et aiguille ne sont pas indiquées "
        "dans les sources examinées.",
    ),
    (
        "Undiluted, alone.",
        "Pur, seul.",
    ),
    (
        "Deep technique: 13 mm needle fully inserted at 45°, described for fat and cellulite;"
        " 13 mm needles are 30 or 32 G.",
        "Technique profonde : aiguille de 13 mm entièrement insérée à 45°, décrite pour la "
        "graisse et la cellulite ; les aiguilles de 13 mm sont de 30 ou 32 G.",
    ),
    (
        "An example built from agents listed for body mesotherapy; no source gives this mix "
        "for cellulite.",
        "Un exemple construit à partir d'agents cités pour la mésothérapie corporelle ; "
        "aucune source ne donne ce mélange pour la cellulite.",
    ),
    (
        "Depth, needle and technique for the scalp are not given in the reviewed sources.",
        "Profondeur, aiguille et technique pour le cuir chevelu ne sont pas indiquées dans "
        "les sources examinées.",
    ),
    (
        "Minoxidil 2% by mesotherapy (trial in 60 women).",
        "Minoxidil 2 % en mésothérapie (essai chez 60 femmes).",
    ),
    (
        "Not given in the reviewed sources.",
        "Non indiqué dans les sources examinées.",
    ),
    (
        "An example built from compounds listed for circulation; their use in mesotherapy was"
        " not confirmed in the reviewed sources.",
        "Un exemple construit à partir de composés cités pour la circulation ; leur usage en "
        "mésothérapie n'a pas été confirmé dans les sources examinées.",
    ),
    (
        "Epidermal technique (Perrin, 1995) with a 0.3 x 13 mm needle, used for vitamin cocktails.",
        "Technique épidermique (Perrin, 1995) avec une aiguille de 0,3 x 13 mm, utilisée pour"
        " les cocktails vitaminiques.",
    ),
    (
        "Vitamin cocktails by the epidermal technique; hyaluronic acid is used for rejuvenation.",
        "Cocktails vitaminiques par la technique épidermique ; l'acide hyaluronique est "
        "utilisé pour le rajeunissement.",
    ),
    (
        "The Conseil d'État upheld this article on 17 February 2012 (n° 349431) and annulled "
        "only the ban on external physical agents. The ban came back into force from 1 March "
        "2012 (secondary source).",
        "Le Conseil d'État a confirmé cet article le 17 février 2012 (n° 349431) et n'a "
        "annulé que l'interdiction des agents physiques externes. L'interdiction est "
        "redevenue applicable à compter du 1er mars 2012 (source secondaire).",
    ),
    (
        "An allergy written as “local anaesthetics” names no one drug: every local "
        "anaesthetic of the protocol is covered until it is clarified.",
        "Une allergie notée « anesthésiques locaux » ne désigne aucun médicament précis : "
        "tous les anesthésiques locaux du protocole sont concernés jusqu'à ce qu'elle soit "
        "précisée.",
    ),
    (
        "True allergy to amide local anaesthetics is rare, and cross-sensitivity among amides"
        " “has not been reported”: an allergy to one amide is a warning to clarify "
        "(preservative, metabisulfite, epinephrine), not proof of allergy to another.",
        "La véritable allergie aux anesthésiques locaux de type amide est rare, et une "
        "sensibilité croisée entre amides « n'a pas été rapportée » : une allergie à un amide"
        " est un signal à préciser (conservateur, métabisulfite, adrénaline), pas la preuve "
        "d'une allergie à un autre.",
    ),
    (
        "Ester local anaesthetics are metabolised to para-aminobenzoic acid (PABA), a known "
        "allergen: an allergy to one ester covers the others. Patients allergic to esters "
        "have not shown cross-sensitivity to amides.",
        "Les anesthésiques locaux de type ester sont métabolisés en acide para-aminobenzoïque"
        " (PABA), un allergène connu : une allergie à un ester couvre les autres. Les "
        "patients allergiques aux esters n'ont pas montré de sensibilité croisée aux amides.",
    ),
    (
        "Procaine was marketed as Novocaine.",
        "La procaïne était commercialisée sous le nom de Novocaine.",
    ),
    (
        "Injectable phosphatidylcholine is made from soy lecithin (unverified whether traces "
        "of soy protein remain).",
        "La phosphatidylcholine injectable est fabriquée à partir de lécithine de soja (la "
        "persistance de traces de protéines de soja n'est pas vérifiée).",
    ),
    (
        "Cross-reactions between NSAIDs are common in practice (unverified: no source was "
        "read for this catalogue).",
        "Les réactions croisées entre AINS sont fréquentes en pratique (non vérifié : aucune "
        "source n'a été lue pour ce catalogue).",
    ),
    # Compound names: the French pharmaceutical name (DCI) as French practice writes it;
    # biotin is called vitamin B8 in France.
    ("Deoxycholic acid (sodium deoxycholate)", "Acide désoxycholique (désoxycholate de sodium)"),
    ("Phosphatidylcholine (PC, soy lecithin)", "Phosphatidylcholine (PC, lécithine de soja)"),
    ("Aminophylline", "Aminophylline"),
    ("Caffeine", "Caféine"),
    ("Theophylline", "Théophylline"),
    ("L-carnitine (levocarnitine)", "L-carnitine (lévocarnitine)"),
    ("Yohimbine", "Yohimbine"),
    ("Collagenase", "Collagénase"),
    ("Hyaluronidase", "Hyaluronidase"),
    ("Artichoke extract (Cynara)", "Extrait d'artichaut (Cynara)"),
    ("Organic silicon", "Silicium organique"),
    ("Homeopathic injectables", "Préparations homéopathiques injectables"),
    ("Minoxidil", "Minoxidil"),
    ("Dutasteride", "Dutastéride"),
    ("Finasteride", "Finastéride"),
    ("Mesoglycan", "Mésoglycane"),
    ("Biotin (vitamin B7)", "Biotine (vitamine B8)"),
    ("Dexpanthenol (provitamin B5)", "Dexpanthénol (provitamine B5)"),
    ("Procaine", "Procaïne"),
    ("Lidocaine", "Lidocaïne"),
    ("Ketoprofen", "Kétoprofène"),
    ("Piroxicam", "Piroxicam"),
    ("Methylprednisolone", "Méthylprednisolone"),
    ("Calcitonin (salmon, synthetic)", "Calcitonine (de saumon, synthétique)"),
    ("Thiocolchicoside", "Thiocolchicoside"),
    ("Pentoxifylline", "Pentoxifylline"),
    ("Buflomedil", "Buflomédil"),
    ("Ginkgo biloba", "Ginkgo biloba"),
    ("Melilotus (sweet clover)", "Mélilot (Melilotus)"),
    ("Rutoside / troxerutin", "Rutoside / troxérutine"),
    ("Hyaluronic acid (non-cross-linked)", "Acide hyaluronique (non réticulé)"),
    ("Vitamin C (ascorbic acid)", "Vitamine C (acide ascorbique)"),
    ("DMAE (deanol)", "DMAE (déanol)"),
    # Product names: brand names stay as they are.
    ("Kybella (deoxycholic acid 10 mg/mL)", "Kybella (acide désoxycholique 10 mg/mL)"),
    ("Lipostabil (PC 5% + DC 2.5%)", "Lipostabil (PC 5 % + DC 2,5 %)"),
    ("Dermaheal LL (PC 5% + L-carnitine 1%)", "Dermaheal LL (PC 5 % + L-carnitine 1 %)"),
    ("Conjonctyl (organic silicon)", "Conjonctyl (silicium organique)"),
    (
        "Phosphatidylcholine / deoxycholate (PC/DC, generic)",
        "Phosphatidylcholine / désoxycholate (PC/DC, générique)",
    ),
    ("Lidocaine 2% (generic)", "Lidocaïne 2 % (générique)"),
    (
        "Lidocaine HCl 2% (20 mg/mL), single-dose vial, methylparaben-free (MPF)",
        "Chlorhydrate de lidocaïne 2 % (20 mg/mL), flacon unidose, sans méthylparabène (MPF)",
    ),
    (
        "Lidocaine HCl 1% (10 mg/mL), multiple-dose vial with methylparaben",
        "Chlorhydrate de lidocaïne 1 % (10 mg/mL), flacon multidose avec méthylparabène",
    ),
    (
        "Lidocaine HCl 1% (10 mg/mL) with epinephrine 1:100,000, multiple-dose vial",
        "Chlorhydrate de lidocaïne 1 % (10 mg/mL) avec adrénaline au 1/100~000, flacon multidose",
    ),
    (
        "Procaine HCl 1% (10 mg/mL), single-dose ampoule",
        "Chlorhydrate de procaïne 1 % (10 mg/mL), ampoule unidose",
    ),
    (
        "Procaine HCl 2% (20 mg/mL), multiple-dose vial with chlorobutanol",
        "Chlorhydrate de procaïne 2 % (20 mg/mL), flacon multidose avec chlorobutanol",
    ),
    (
        "Lidocaine (generic, strength not stated)",
        "Lidocaïne (générique, concentration non précisée)",
    ),
    ("Ketoprofen 160 mg in 1 mL (generic)", "Kétoprofène 160 mg pour 1 mL (générique)"),
    (
        "Methylprednisolone 40 mg in 1 mL (generic)",
        "Méthylprednisolone 40 mg pour 1 mL (générique)",
    ),
    (
        "Aminophylline (generic, strength not stated)",
        "Aminophylline (générique, concentration non précisée)",
    ),
    (
        "Buflomedil (generic, strength not stated)",
        "Buflomédil (générique, concentration non précisée)",
    ),
    ("Caffeine (generic, strength not stated)", "Caféine (générique, concentration non précisée)"),
    (
        "Artichoke extract (generic, strength not stated)",
        "Extrait d'artichaut (générique, concentration non précisée)",
    ),
    (
        "Minoxidil 2% for intradermal injection (generic)",
        "Minoxidil 2 % pour injection intradermique (générique)",
    ),
    (
        "Dutasteride preparation (generic, strength not stated)",
        "Préparation de dutastéride (générique, concentration non précisée)",
    ),
    ("Procaine (generic, strength not stated)", "Procaïne (générique, concentration non précisée)"),
    (
        "Troxerutin (generic, strength not stated)",
        "Troxérutine (générique, concentration non précisée)",
    ),
    (
        "Melilotus extract (generic, strength not stated)",
        "Extrait de mélilot (générique, concentration non précisée)",
    ),
    (
        "Hyaluronic acid, non-cross-linked (generic, strength not stated)",
        "Acide hyaluronique non réticulé (générique, concentration non précisée)",
    ),
    (
        "Vitamin C (generic, strength not stated)",
        "Vitamine C (générique, concentration non précisée)",
    ),
]

FRENCH: dict[str, str] = {english: _typography(french) for english, french in _TEXT}
