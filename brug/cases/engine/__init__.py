"""Brug's BPMN engine glue on SpiffWorkflow, without Django.

``parsing.inspect`` checks a file and describes it, ``metadata.check_metadata`` maps lanes to
roles, ``runtime.Run`` starts, advances, saves and restores an instance, ``testcases`` runs the
JSON test cases. Only approved handlers (``handlers.HANDLERS``) and forms
(``formkeys.FORM_KEYS``) can be named by a file; expressions are evaluated by
``expressions.evaluate``, never by ``eval``.
"""
