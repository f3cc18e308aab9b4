import math, datetime as dt
import pytest
import connectors.salesforce.soql as soql
from tests.flows.test_fulfilment import *  # noqa
from tests.flows import test_fulfilment as tf

def test_fix(scenario, monkeypatch):
    def literal(m):
        m = m.astimezone(dt.UTC)
        if m.microsecond: m = m.replace(microsecond=0) + dt.timedelta(seconds=1)
        return m.strftime("%Y-%m-%dT%H:%M:%SZ")
    monkeypatch.setattr(soql, "literal", literal)
    tf.test_a_change_saved_in_the_second_before_the_run_is_read_by_it.__wrapped__(scenario, monkeypatch) if hasattr(tf.test_a_change_saved_in_the_second_before_the_run_is_read_by_it, "__wrapped__") else tf.test_a_change_saved_in_the_second_before_the_run_is_read_by_it(scenario, monkeypatch)
