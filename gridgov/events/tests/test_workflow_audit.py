"""全流程留痕: one log row per step, chained by hashes, and `gridgov verify-log` notices any
row edited or deleted behind the workflow's back."""

import pytest
from django.core.management import CommandError, call_command

from gridgov.events import audit
from gridgov.events.models import EventLog, LogAction, Status
from gridgov.events.tests.lifecycle import actions, event_in, fresh


def test_each_step_of_the_loop_is_one_chained_row(world, street_vending):
    event = event_in(world, street_vending, Status.CLOSED)
    rows = list(event.log.order_by("seq"))
    assert actions(event) == [
        LogAction.REPORT, LogAction.ACCEPT, LogAction.DISPATCH, LogAction.SIGN, LogAction.FEED_BACK,
        LogAction.VERIFY,
    ]
    assert [r.seq for r in rows] == [1, 2, 3, 4, 5, 6]
    assert rows[0].prev_hash == "" and all(b.prev_hash == a.hash for a, b in zip(rows, rows[1:], strict=False))
    assert (event.log_length, event.log_head) == (6, rows[-1].hash)
    assert audit.verify_event(event, rows) == []


def test_verify_log_passes_on_an_untouched_log(world, street_vending, capsys):
    event_in(world, street_vending, Status.CLOSED)
    event_in(world, street_vending, Status.DISPATCHED)
    call_command("verify_log")
    assert "2 个事件的日志链均未被篡改" in capsys.readouterr().out


def tamper(event, how: str) -> None:
    rows = EventLog.objects.filter(event=event)
    if how == "edited":
        rows.filter(seq=2).update(note="受理时已现场核实")  # the accept row, rewritten in place
    elif how == "deleted in the middle":
        rows.filter(seq=2).delete()
    elif how == "deleted at the end":
        rows.filter(seq=fresh(event).log_length).delete()
    elif how == "appended by hand":
        last = rows.order_by("-seq").first()
        forged = EventLog(event=event, seq=last.seq + 1, action=LogAction.VERIFY, old_status=Status.HANDLED,
                          new_status=Status.CLOSED, at=last.at, prev_hash=last.hash)
        forged.hash = forged.compute_hash()
        forged.save()


@pytest.mark.parametrize("how", ["edited", "deleted in the middle", "deleted at the end", "appended by hand"])
def test_verify_log_detects_a_row_changed_behind_the_workflows_back(world, street_vending, capsys, how):
    untouched = event_in(world, street_vending, Status.CLOSED)
    event = event_in(world, street_vending, Status.CLOSED)
    if how == "appended by hand":
        event = event_in(world, street_vending, Status.HANDLED)
    tamper(event, how)
    with pytest.raises(CommandError, match="发现 .* 处日志异常"):
        call_command("verify_log")
    out = capsys.readouterr().out
    assert event.code in out and untouched.code not in out


def test_an_edited_row_is_named_by_its_position(world, street_vending):
    event = event_in(world, street_vending, Status.CLOSED)
    tamper(event, "edited")
    breaches = audit.verify_event(fresh(event), list(event.log.order_by("seq")))
    assert (breaches[0].seq, "被修改" in breaches[0].problem) == (2, True)
