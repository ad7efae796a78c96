"""Risk control: the pure rule engine that decides whether online treatment may go on.

No Flask and no database here; callers build the facts (see `facts.FACT_DOCS`) and
log the returned `Decision`.

    from clinic.risk.engine import default_ruleset, evaluate
    decision = evaluate(default_ruleset(), "prescribe", facts)
"""

from clinic.risk.engine.evaluation import Decision, Reason, evaluate
from clinic.risk.engine.ruleset import (CHECKPOINTS, OUTCOMES, RuleSet, RuleSetError, default_ruleset, load_ruleset,
                                        load_ruleset_file, validate_ruleset)

__all__ = [
    "CHECKPOINTS", "OUTCOMES", "Decision", "Reason", "RuleSet", "RuleSetError",
    "default_ruleset", "evaluate", "load_ruleset", "load_ruleset_file", "validate_ruleset",
]
