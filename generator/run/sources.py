"""What a document is made from, as one hash (its ``source``): the ledger records its
scope covers and everything else that shapes its context — so that a re-export finds
the documents a changed row cannot reach without building their contexts.

A document covers the members of its scope (one member, a building, a compound, a
community, a unit, a unit within a community) with each one's rows in every sheet, the
unit, community and compound records of those members and of the scope itself, and the
rows that point at no member. Besides the records: the run's options, the profile, the
form's declaration and code, and formgen's own code. A form whose context reaches
further (a ranking across the whole city, say) declares ``depends: ledger`` in its
form.yaml and then covers every record.

Only a skip rests on this: a document whose source changed gets its context built and
hashed, and is rewritten only when that hash changed too.
"""

from __future__ import annotations

import functools
import hashlib
import io
import pickle
from collections import defaultdict
from collections.abc import Iterable
from functools import cached_property
from pathlib import Path
from typing import Any

from generator.ledger.model import Ledger, Member
from generator.run.plan import Job
from generator.types import Options

GENERATOR = Path(__file__).resolve().parents[1]


def digest(*parts: Any) -> bytes:
    """A hash of plain data. Pickled without its memo ("fast" mode), so equal values give
    equal bytes however their strings happen to be shared in memory."""
    buf = io.BytesIO()
    pickler = pickle.Pickler(buf, protocol=5)
    pickler.fast = True
    pickler.dump(parts)
    return hashlib.blake2b(buf.getbuffer(), digest_size=16).digest()


@functools.cache
def code_hash(profile: Path) -> bytes:
    """formgen's code and a profile's files (its YAML and forms, and the common core's
    YAML beside it): what turns a ledger into contexts besides the ledger itself."""
    h = hashlib.blake2b(digest_size=16)
    for folder, pattern in ((GENERATOR, "**/*.py"), (profile, "**/*"), (profile.parent, "*.yaml")):
        for path in sorted(folder.glob(pattern)):
            if path.suffix in {".py", ".yaml"} and path.is_file():
                h.update(str(path.relative_to(folder)).encode())
                h.update(path.read_bytes())
    return h.digest()


class Sources:
    """The source hash of each job of a run over one ledger."""

    def __init__(self, ledger: Ledger, opts: Options) -> None:
        self.ledger = ledger
        self.opts = opts
        self._forms: dict[str, bytes] = {}

    @cached_property
    def _members(self) -> dict[str, bytes]:
        """Each member's record with all its rows in every sheet, as one digest."""
        led = self.ledger
        tables: list[tuple[str, dict[str, list[Any]]]] = [
            (key, defaultdict(list)) for key in sorted(led.tables)
        ]
        for key, index in tables:
            for r in led.tables[key]:
                if r.member_id:
                    index[r.member_id].append(r)
        out: dict[str, bytes] = {}
        for mid, m in led.members.items():
            out[mid] = digest(
                m,
                led.decisions.get(mid),
                led.pledges.get(mid),
                led.posts.get(mid),
                led.activities.get(mid),
                led.evaluations_of.get(mid),
                [index.get(mid) for _, index in tables],
            )
        return out

    @cached_property
    def _rest(self) -> bytes:
        """Rows that point at no member, and the order of the ledger's places."""
        led = self.ledger
        loose = {k: [r for r in rows if not r.member_id] for k, rows in sorted(led.tables.items())}
        return digest(loose, list(led.units), list(led.communities), list(led.compounds))

    @cached_property
    def _run(self) -> bytes:
        """The options, the profile's files and formgen's code: what shapes every context."""
        return digest(self.opts.date, self.opts.notice, code_hash(self.opts.profile.folder))

    @cached_property
    def _whole(self) -> bytes:
        led = self.ledger
        members = b"".join(self._members.values())
        return digest(self._rest, members, self._places(led.members.values()))

    def _form(self, job: Job) -> bytes:
        form = job.form
        if form.id not in self._forms:
            files = sorted(form.folder.glob("*.yaml")) + sorted(form.folder.glob("*.py"))
            self._forms[form.id] = digest(self._run, [p.read_bytes() for p in files])
        return self._forms[form.id]

    @cached_property
    def _entities(self) -> dict[Any, bytes]:
        """Each unit, community and compound record as a digest, by its key."""
        led = self.ledger
        out: dict[Any, bytes] = {}
        for kind, records in (("u", led.units), ("c", led.communities), ("k", led.compounds)):
            for key, record in records.items():
                out[(kind, key)] = digest(record)
        return out

    def _places(self, members: Iterable[Member], scope: Any = None) -> bytes:
        """The unit, community and compound records of these members and of the scope."""
        keys: set[Any] = set()
        for m in members:
            keys.update((("u", m.unit), ("c", m.community), ("k", (m.community, m.compound))))
        if scope is not None:
            keys.update(
                (
                    ("u", scope.unit),
                    ("c", scope.community),
                    ("k", (scope.community, scope.compound)),
                )
            )
        found = self._entities
        return b"".join(found.get(k, b"-") for k in sorted(keys, key=repr))

    def covered(self, job: Job) -> list[Member]:
        """The members a job's scope covers, in member order."""
        led, s = self.ledger, job.scope
        if s.member_id:
            m = led.members.get(s.member_id)
            return [m] if m else []
        if s.building or (s.compound and s.community):
            return led.members_at(s.community, s.compound, s.building if s.building else None)
        if s.unit:
            found = led.members_of_unit(s.unit)
            return [m for m in found if m.community == s.community] if s.community else found
        if s.community:
            return [m for m in led.members.values() if m.community == s.community]
        return list(led.members.values())

    def __call__(self, job: Job) -> str:
        """The job's source: a hex digest."""
        h = hashlib.blake2b(self._form(job), digest_size=16)
        h.update(f"{job.stem}\0{job.scope!r}\0".encode())
        if job.form.depends == "ledger":
            h.update(self._whole)
        else:
            members = self.covered(job)
            h.update(b"".join(self._members[m.id] for m in members))
            h.update(self._places(members, job.scope))
            h.update(self._rest)
        return h.hexdigest()
