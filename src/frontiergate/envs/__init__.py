"""The simulated agentic world for autonomy evaluations (pure Python, in memory).

``world`` holds the state, ``shell``/``actions`` change it, ``tools`` expose it to Inspect,
``scenarios`` builds one world per scenario, ``predicates`` read what the agent did, and ``agent``
is the tool loop with the follow-up interview. Nothing here touches the real machine.
"""
