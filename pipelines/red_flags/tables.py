"""The tables red flags and the risk score publish, besides ``red_flags`` itself.

Their Table Schemas are in each procurement descriptor's ``schema/`` folder; their shape is
documented in ``docs/red-flags.md`` (the pages read them, so keep them stable):

- ``red_flag_parties``: one row per organisation (buyer, procuring entity, tenderer) and
  indicator that flagged it;
- ``cardinal_results``: Cardinal's ``indicators`` output (group, identifier, code, value),
  one row per result, for tools that read Cardinal's JSON;
- ``risk_weights``, ``risk_components``, ``risk_scores``: the composite score per tender,
  buyer and supplier, every component's contribution, and the weights used.
"""

PARTY_TABLE = "red_flag_parties"
CARDINAL_TABLE = "cardinal_results"
WEIGHTS_TABLE = "risk_weights"
COMPONENTS_TABLE = "risk_components"
SCORES_TABLE = "risk_scores"
RED_FLAG_TABLES = [PARTY_TABLE, CARDINAL_TABLE, WEIGHTS_TABLE, COMPONENTS_TABLE, SCORES_TABLE]
