"""Word classes the parse reading uses: governors and the status they give, courts, negators,
company descriptions, plan and takeover nouns, pronouns, person roles, reporting verbs, site nouns."""
from __future__ import annotations

from typing import Any

from monitor_pipeline.core.tagging.syntax.tokens import _case


# ------------------------------------------------------------------ word classes
#: governors (lemmas) giving a status to the layoff they govern
GOVERNOR_STATUS: dict[str, str] = {
    **dict.fromkeys(("démentir", "nier", "réfuter", "récuser", "démenti", "infirmer"), "denied"),
    **dict.fromkeys(("reporter", "repousser", "suspendre", "geler", "ajourner", "décaler", "différer",
                     "retarder", "surseoir", "sursoir"), "postponed"),
    **dict.fromkeys(("contester", "annuler", "invalider", "retoquer", "dénoncer", "attaquer", "bloquer",
                     "opposer", "combattre", "refuser", "grève", "mobiliser", "manifester", "protester", "débrayer",
                     "fustiger", "condamner", "rejeter"), "contested"),
    # "gelé" and "gelée" as the lemmatizer leaves them (an adjective): "a gelé son plan"
    **dict.fromkeys(("gelé", "gelée"), "postponed"),
    **dict.fromkeys(("renoncer", "abandonner", "enterrer", "exclure", "écarter", "retirer", "stopper",
                     "sauver", "sauvegarder", "préserver", "éviter"), "negated"),
    **dict.fromkeys(("pouvoir", "risquer", "menacer", "craindre", "redouter", "évoquer",
                     "imaginer", "spéculer",
                     # "les informations / rumeurs faisant état de 300 suppressions": reported, not stated
                     "rumeur", "information"), "hypothetical"),
    **dict.fromkeys(("prévoir", "envisager", "projeter", "compter", "vouloir", "entendre", "souhaiter",
                     "apprêter", "préparer", "planifier", "promettre", "programmer", "viser", "devoir", "décider",
                     "étudier", "réfléchir", "étude",
                     "prévu", "projet", "intention", "objectif"), "planned"),
    **dict.fromkeys(("annoncer", "confirmer", "officialiser", "dévoiler", "présenter", "lancer", "engager",
                     "notifier", "déclencher", "ouvrir", "détailler", "communiquer", "signer", "acter",
                     "valider", "annonce", "présentation", "lancement",
                     # "les salariés ont appris la suppression de …": learning of a cut does not execute it,
                     # nor does a past verb of saying ("a précisé le nombre de postes supprimés")
                     "apprendre", "découvrir", "préciser", "indiquer", "expliquer", "déclarer", "chiffrer"), "announced"),
    **dict.fromkeys(("procéder", "mener", "achever", "finaliser", "boucler", "réaliser", "effectuer",
                     "conduire", "terminer", "mettre", "prononcer"), "executed"),
}
_STEMS = sorted(((k[:-2] if k.endswith(("er", "ir", "re")) else k, v) for k, v in GOVERNOR_STATUS.items()
                 if len(k) >= 7), key=lambda kv: -len(kv[0]))


def governor_status(tok: Any) -> str | None:
    """The status a governing word gives, from its lemma, else from its form's stem (the
    lemmatizer misses some forms: "conteste", "repoussé")."""
    lem = tok.lemma_.lower()
    phrasal = _phrasal_status(tok, lem)
    if phrasal is not None:
        return phrasal
    if lem in GOVERNOR_STATUS:
        return GOVERNOR_STATUS[lem]
    if tok.pos_ not in ("VERB", "AUX", "NOUN", "ADJ"):
        return None
    low = tok.lower_
    for stem, status in _STEMS:
        if low.startswith(stem):
            return status
    return None


#: verb + complement idioms whose status is not the verb's own: "mettre en pause / en sommeil"
#: (postponed, where "mettre" alone executes: "mettre en œuvre"), "revenir sur" a plan and "se
#: refuser à" (given up: negated)
_PHRASAL_COMPLEMENTS = {"mettre": ({"pause", "sommeil", "suspens", "veille", "parenthèse", "parenthèses", "attente"},
                                   "postponed"),
                        "revenir": ({"sur"}, "negated"),
                        # "recule sur son plan" (not "les licenciements reculent": a decrease)
                        "reculer": ({"sur"}, "negated"),
                        # "faire marche / machine arrière sur …": the plan given up
                        "faire": ({"marche", "machine"}, "negated")}


def _phrasal_status(tok: Any, lem: str) -> str | None:
    if lem in _PHRASAL_COMPLEMENTS:
        words, status = _PHRASAL_COMPLEMENTS[lem]
        if any(c.lower_ in words or c.dep_.startswith("obl") and _case(c) in words for c in tok.children):
            return status
    if lem == "refuser" and any(c.lower_ in ("se", "s'") for c in tok.children):
        return "negated"  # "X se refuse à tout licenciement": the company's own refusal
    return None


#: courts proper, whose judgment on a layoff contests it (not the labour inspectorate, which reviews)
JUDGES = frozenset({"tribunal", "tribunaux", "justice", "juge", "juges", "cour", "prud'homme", "prud'hommes"})
#: a trigger whose negation is its meaning: not renewing contracts ends jobs
NON_RENEWAL = ("renouvel", "recondui", "prolong")
#: subjects that turn a suspension into a court's decision (contested)
COURTS = frozenset({"tribunal", "justice", "juge", "cour", "conseil", "prud'homme", "prud'hommes",
                    "inspection", "administration", "dreets", "direccte"})
NEGATORS = frozenset({"pas", "jamais", "plus", "nullement", "guère", "aucun", "aucune", "point"})
#: nouns that, as a definite subject without a name, stand for a company named earlier
DESCRIPTIONS = frozenset("""
groupe entreprise société firme plateforme géant éditeur constructeur start-up startup jeune pousse
fabricant opérateur banque assureur distributeur spécialiste compagnie leader licorne équipementier
enseigne marque filiale maison mère industriel chimiste laboratoire cabinet major acteur entité
développeur numéro fournisseur prestataire sous-traitant transporteur application service pure player
chaîne néobanque fintech biotech medtech foodtech edtech proptech e-commerçant hébergeur intégrateur
conglomérat multinationale firme constructeur ESN esn plateforme réseau studio PME pme ETI eti TPE tpe
label auto-école courtier mutuelle papetier brasseur sidérurgiste verrier logisticien armateur cimentier
voyagiste loueur imprimeur détaillant grossiste concurrent rival cabinet agence direction
coopérative sucrier volailler fromager semencier câblier motoriste avionneur chausseur lunetier opticien
parfumeur joaillier chocolatier biscuitier maroquinier cartonnier fondeur fonderie tannerie minoterie
institut hôtelier scale-up restaurateur promoteur négociant énergéticien pétrolier décolleteur emboutisseur
mouliste chaudronnier confectionneur menuisier quotidien hebdomadaire assurtech insurtech healthtech legaltech
agritech cleantech deeptech abattoir conserverie laiterie brasserie distillerie vépéciste
manufacturier pneumaticien néo-assureur néo-assurance néo-banque aciériste métallurgiste plasturgiste électronicien
torréfacteur embouteilleur champion pionnier éditrice constructrice fabricante équipementière imprimerie verrerie
cartonnerie filature scierie câblo-opérateur assembleur exploitant
""".split())
#: descriptions whose "de X" complement may be the company's home town ("le géant de Redmond"); not a role
#: ("la direction de X") nor a parent relation ("la filiale de X")
HOME_TOWN_OF = frozenset({"géant", "groupe", "firme", "société", "entreprise", "pme", "start-up", "startup", "constructeur",
                          "éditeur", "fabricant", "équipementier", "laboratoire", "spécialiste", "compagnie", "opérateur",
                          "industriel", "leader", "champion"})
#: an apposition that names a company's owner ("X, filiale de Y", "X, propriété de Y")
PARENT_RELATIONS = frozenset({"filiale", "propriété", "division", "branche", "unité", "marque", "pôle"})
#: nouns a relative clause may describe as a layoff plan ("le plan social, qui prévoyait …, est repoussé")
PLAN_NOUNS = frozenset({"plan", "projet", "pse", "restructuration", "réorganisation", "suppression",
                        "licenciement", "programme", "vague", "procédure"})
#: nouns of a change of owner whose complement names the company whose jobs are at stake
TAKEOVER_NOUNS = frozenset({"reprise", "rachat", "acquisition", "cession", "sauvetage", "redressement", "fusion"})
PRONOUNS = frozenset({"il", "elle", "ils", "elles", "celui-ci", "celle-ci", "ceux-ci", "celles-ci", "lui"})
PERSONAL_PRONOUNS = frozenset({"je", "j'", "tu", "nous", "vous", "on", "il", "elle", "ils", "elles"})
RELATIVES = frozenset({"qui", "lequel", "laquelle", "lesquels", "lesquelles"})
#: one person's role: "le licenciement du directeur technique" is no layoff event
PERSON_ROLES = frozenset("""
directeur directrice pdg patron patronne dirigeant dirigeante président présidente fondateur fondatrice
cofondateur cofondatrice entraîneur joueur joueuse journaliste animateur animatrice présentateur
présentatrice salarié salariée employé employée cadre responsable manager ingénieur ingénieure chef
délégué déléguée syndicaliste porte-parole dg ceo cto cfo coo directeur-général
footballeur footballeuse sportif sportive athlète arbitre coach développeur développeuse consultant
consultante technicien technicienne vendeur vendeuse conseiller conseillère ouvrier ouvrière chauffeur
pilote professeur enseignant enseignante chercheur chercheuse stagiaire collaborateur collaboratrice
rédacteur rédactrice chroniqueur chroniqueuse producteur productrice commercial comptable juriste
avocat avocate médecin infirmier infirmière caissier caissière livreur livreuse modérateur modératrice
""".split())
#: triggers that dismiss people one by one (a person named as their object is one dismissal);
#: "supprimer" or "plan social" never take a person as object
_DISMISSING = frozenset({"licencier", "licenciement", "renvoyer", "renvoi", "congédier", "limoger", "limogeage",
                         "remercier"})
#: a word that turns the statement into a possibility: "une éventuelle vague de licenciements"
_POSSIBILITY_MODIFIERS = frozenset({"éventuel", "éventuelle", "éventuels", "éventuelles", "possible", "possibles",
                                    "hypothétique", "hypothétiques", "potentiel", "potentielle", "potentiels",
                                    "potentielles"})
#: heads under which a company name is only cited ("selon X", "comme chez X" of comparison…)
_CITING_CASES = frozenset({"selon", "après", "contrairement", "face", "malgré", "outre", "avec", "pour",
                           "contre", "vers", "sur", "envers", "grâce"})
_CLIMB_DEPS = frozenset({"xcomp", "obj", "obl", "obl:arg", "obl:mod", "nmod", "conj", "ccomp", "acl",
                         "nsubj", "nsubj:pass", "appos", "dep", "iobj", "csubj", "amod"})


#: verbs whose "il" is impersonal ("il faut", "il y a", "il s'agit", "il reste", "il manque")
_IMPERSONAL = frozenset({"falloir", "avoir", "agir", "rester", "manquer", "sembler", "paraître", "arriver", "être",
                         "exister", "suffire", "convenir", "valoir", "pleuvoir", "devenir"})
REPORTING = frozenset({"confirmer", "indiquer", "annoncer", "préciser", "affirmer", "expliquer", "déclarer",
                       "assurer", "reconnaître", "souligner", "ajouter", "écrire", "communiquer", "trancher",
                       "marteler", "rappeler", "répondre", "insister", "prévenir", "avertir", "promettre",
                       "certifier", "garantir", "jurer", "admettre"})


#: nouns of a site whose "de X" complement is a place ("l'usine de Pontoise")
SITE_NOUNS = frozenset({"usine", "site", "studio", "centre", "agence", "entrepôt", "magasin", "établissement",
                        "bureau", "siège", "plateforme", "filiale", "implantation", "dépôt", "raffinerie", "aciérie",
                        "plateau", "atelier", "entité", "antenne", "unité", "succursale", "campus"})


#: contesting verbs that give the plan up when the company or its own board decides
#: ("X a annulé le plan", "le conseil d'administration a rejeté le projet")
OWN_CANCELLING = frozenset({"annuler", "rejeter", "retirer", "bloquer"})
#: a company's own bodies (their decision is the company's)
BOARD_WORDS = frozenset({"administrateur", "administrateurs", "actionnaire", "actionnaires", "associé", "associés",
                         "direction", "dirigeant", "dirigeants", "board", "pdg", "patron", "management"})
#: people and bodies outside the company's management: their rejection contests the plan
STAFF_AND_AUTHORITIES = frozenset({"syndicat", "syndicats", "salarié", "salariés", "élu", "élus", "cse", "personnel",
                                   "votant", "votants", "employé", "employés", "représentant", "représentants",
                                   "intersyndicale", "gréviste", "grévistes", "inspection", "administration", "dreets",
                                   "ministère", "ministre", "état", "gouvernement", "préfet", "préfecture"})
