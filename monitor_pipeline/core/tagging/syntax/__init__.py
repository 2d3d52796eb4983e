"""Who cuts jobs, and is it real? Layoff attribution and status from spaCy's French dependency parse.

Only sentences holding a layoff trigger (found by the lexicon's cheap regexes) are parsed, in
batches. For each trigger the parse gives:

* the **agents**: the companies doing the cuts. From the trigger token, walk up its governors
  (``supprimer`` ← ``prévoit`` ← …) and take the first subject (``nsubj``), passive agent
  (``obl:agent``, "par X") or "chez X" complement found; a complement of the trigger noun ("le plan
  social d'Atos", "les licenciements chez X") comes first. A subject's own subtree is searched for
  company names, so coordinated subjects ("X, Y et Z ont licencié"), "des groupes comme X, Y ou Z",
  "la direction de X" give their companies. A relative pronoun ("qui"), including the cleft "c'est X
  qui …", stands for its antecedent. A personal pronoun or a definite description ("elle", "le
  groupe", "la plateforme éducative américaine") is an **anaphor**: the matrix clause's subject,
  else the caller's context (the previous sentences' subject) resolves it. "chez X" complements
  listed after the trigger ("… chez X, 1 000 chez Y") are each an event (elided trigger).
* the **status**: negation (ne…pas/jamais/plus, aucun, sans) on the trigger or a governor →
  negated; a denying governor (démentir, nier) → denied; conditional mood, a question, "si" →
  hypothetical; postponing/contesting/abandoning governors (reporter, suspendre, contester,
  renoncer) → postponed/contested/negated; planning governors, future tense, aller + infinitive →
  planned; announcing governors → announced; a past trigger verb → executed.

Incises between dashes or parentheses ("– pour ne citer qu'eux –") are blanked before parsing
(same length, so offsets are unchanged): parsers otherwise cut the sentence there.
Every decision carries a ``path`` string naming the rule that made it (evidence).

Modules (each imports only those above it; names starting with "_" are shared inside this
package only):

* ``parsing``: loading spaCy, parsing, the NER pipe, the same-length rewrites (incises, clauses);
* ``tokens``: :class:`~.tokens.Agent`, :class:`~.tokens.TriggerReading` and token helpers;
* ``words``: word classes and :func:`~.words.governor_status`;
* ``tree``: the trigger's head and governors, name-like tokens, descriptions, places of a site;
* ``subjects``: agents from a subject or complement (relatives, "ce dernier", appositions);
* ``agents``: :func:`~.agents._find_agents` and its fallbacks for what the parser misses;
* ``elided``: enumerations with an elided trigger ("… chez X, 1 000 chez Y", "Y 2 000");
* ``status``: the status from governors, tenses, negation, courts, later reversals;
* ``reading``: the entry points :func:`~.reading.read_trigger`, :func:`~.reading.speaker_agents`,
  :func:`~.reading.main_subject_agents`.
"""
