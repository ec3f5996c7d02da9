"""Demographics by consent and representativeness: profile questions, residents' optional answers, reference
population shares, per-project comparison (score, callouts, minimum cell size) and raking weights.

Modules: ``service`` (answers, bands, participants, distributions, score), ``raking`` (iterative proportional fitting
in numpy), ``weights`` (each person's weight for a method's results, raw against weighted counts: the public
``person_weights`` / ``weighted_tally``), ``hooks`` (the person's data export and forgetting), ``web`` (account and
back office pages).
"""
