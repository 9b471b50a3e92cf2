"""A strict fake Amigo server for tests, demos and local development.

    async with FakeAmigoServer() as fake:
        async with fake.client() as client:
            await client.admin.get_models()

Also runnable as ``python -m amigo_async.testing``, which prints the ``AMIGO_*``
variables and the seeded ids (`FakeAmigoServer.seeds`) a user needs.

Every request is checked against the snapshot before a handler runs (the client's
own validation pass, reading values as a server does), and a violation answers
422 with FastAPI's ``{"detail": [{"loc", "msg", "type"}]}``; the tool repo's
operations, which the snapshot leaves out, are checked the same way from facts written
by hand. The snapshot is served back at ``/openapi.json`` for tools such as
schemathesis.

Where the fake departs from the schemas alone, a documented prose rule says so:

- Refused although the schemas allow it: ``sort_by`` fields other than those an
  operation's description names; ``tag``/``tags`` filters not written
  ``key:value``; ``creator`` not ``org_id,user_id``; a versions list's ``version``
  other than ``N``, ``latest`` or a range ``N-M``; tool version constraints that
  are not ``>=1.2``-style specifiers; an API key's ``duration`` outside 1 to 90
  days (and a grant's ending past year 9999); organization images that are not
  base64 PNG (ICO for the favicon) of the documented shape and least size (logo
  5:2 from 400 x 160, square logo and favicon square from 40 x 40, headshot
  0.73 from 292 x 400); a state machine without states, whose state names repeat,
  whose initial or terminal state is not an action state, whose recall state has
  not exactly one source, or whose transitions name unknown states or references;
  ``min_count`` above ``max_count``; an ``initial_message_type`` without an
  ``initial_message``; a change that changes nothing (a tag change with neither
  ``updates`` nor ``deletes``, an environment-variable change with no insert,
  update or delete, an organization change setting no field); a blank search
  ``query``, ``commit_branch``, version constraint or ``service_version_set_name``;
  a ``current_agent_action_type`` that is not a regex; ``created_after`` later
  than ``created_before`` (webhook deliveries);
  ``tool_id`` and ``version`` lists of different lengths; interact's external
  event contents and timestamps of different counts, and a text message of only
  whitespace (empty to the server; only a ``skip`` sends an empty one); an empty
  or NUL-holding ``prompt_log_prefix``; a blank name among test-tool's required
  environment variables; Basic credentials on
  create-organization (its ``security`` lists Bearer only); a value of a
  ``StrippedNonemptyString`` type that is empty once stripped (the type's name is
  the rule: a tag key ``"\r"`` fits its pattern but not the type).
- The documented semantic refusals: unknown ids (404), duplicates and version
  mismatches (409; 400 for behaviour sets, personas and scenarios, as their
  operations document), one unfinished conversation per user and service (409), a
  metric or state machine still in use, more than 3 active tool versions, the API
  key limit, more than 20 conversation tags, a read-only SQL query only, an
  environment variable that does not exist, a unit test set run's artifacts not yet
  available, a success criterion whose type is not its metric's (400).
- Accepted although the schemas' security asks for it: no ``X-ORG-ID`` header
  (its scheme's description calls it optional; ``/openapi.json`` says so).
- A URL two documented paths match (``/metric/search/`` and ``/metric/{metric_id}/``)
  belongs to the more specific one, a literal segment beating a parameter: a method
  it does not declare answers 405, and every 405's ``Allow`` lists exactly the
  methods declared for that path. Two paths equally specific
  (``.../state_machine/{state_machine_id}/`` and
  ``.../{service_hierarchical_state_machine_id}/``) share the URL and its ``Allow``.
- A discriminated union whose tag has a default (a grant's ``Condition``: ``type``
  is not required) takes a value without its tag when exactly one member fits it.
- Answers that are not JSON, as the descriptions say: prompt logs (a zip), the
  tool scaffold (a gzip tarball), the Git interface (Git's own content types),
  conversation events (NDJSON).
"""

from typing import TYPE_CHECKING

from .._lazy import LazyNames

if TYPE_CHECKING:  # The one list of public names: type checkers read it, and so does `_names`.
    from ._faults import Fault as Fault
    from ._faults import FaultKind as FaultKind
    from ._seeds import Seeds as Seeds
    from ._seeds import announce as announce
    from ._server import FakeAmigoServer as FakeAmigoServer
    from ._server import RecordedRequest as RecordedRequest

# Lazy, so `amigo-async` can read the fake's command options without loading the fake.
_names = LazyNames(__name__, __file__, globals())

if not TYPE_CHECKING:
    __getattr__ = _names.getattr
    __dir__ = _names.dir
    __all__ = sorted(_names.sources())
