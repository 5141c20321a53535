"""`eport audit verify`: the whole chain, every signed checkpoint, and the head."""

from collections import defaultdict
from dataclasses import dataclass, field

from . import chain, checkpoints
from .models import AuditChain


@dataclass
class Report:
    rows: int = 0
    last: int = 0
    last_hash: str = ""
    checkpoints: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        if self.ok:
            return (
                f"audit chain intact: {self.rows} rows (sequence 1–{self.last}), head {self.last_hash[:16] or '-'}, "
                f"{self.checkpoints} checkpoint signature(s) verified"
            )
        more = f" (+{len(self.problems) - 1} more problem(s) above)" if len(self.problems) > 1 else ""
        return f"audit chain BROKEN at {self.problems[0]}{more}"


def verify(extra_dirs=(), chunk: int = 5000) -> Report:
    """Recompute every row's hash and link in sequence order (streaming, `chunk` rows a query), compare
    with what every signed checkpoint (table, checkpoint folder, `extra_dirs`) and the chain head state.

    The head is read first: rows appended while this runs are checked too and are no false alarm."""
    head = AuditChain.objects.filter(pk=1).values_list("sequence", "hash").first()
    found, bad_checkpoints = checkpoints.stated(extra_dirs)
    expected = defaultdict(list)
    for s in found:
        expected[s.sequence].append((s.hash, f"the signed checkpoint {s.source}"))
    if head and head[0]:
        expected[head[0]].append((head[1], "the chain head (audit_auditchain)"))
    report = Report(checkpoints=len(found))
    report.rows, report.last, report.last_hash, problem = chain.walk(expected, chunk)
    if problem:
        report.problems.append(str(problem))
    else:
        beyond = sorted(
            (seq, src) for seq, stated in expected.items() if seq > report.last for _, src in stated
        )
        if beyond:
            seq, source = beyond[0]
            report.problems.append(
                f"sequence {report.last + 1}: missing, the chain ends at {report.last} but {source} "
                f"reaches sequence {seq}: rows were deleted from the end"
            )
    report.problems += bad_checkpoints
    return report
