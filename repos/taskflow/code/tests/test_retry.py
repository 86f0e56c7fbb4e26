import pytest

from taskflow.errors import ConfigurationError
from taskflow.execution.jitter import FullJitter
from taskflow.execution.retry import (
    ExponentialBackoff,
    FixedDelay,
    LinearBackoff,
    NoRetry,
    RetryPolicy,
    policy_from_config,
)


def test_should_retry_counts_attempts():
    policy = RetryPolicy(max_attempts=3)
    assert policy.should_retry(1, ValueError())
    assert policy.should_retry(2, ValueError())
    assert not policy.should_retry(3, ValueError())


def test_retry_on_filters_exception_types():
    policy = RetryPolicy(max_attempts=5, retry_on=(IOError,))
    assert policy.should_retry(1, IOError())
    assert not policy.should_retry(1, KeyError())


def test_give_up_on_overrides_retry_on():
    policy = RetryPolicy(max_attempts=5, give_up_on=(PermissionError,))
    assert not policy.should_retry(1, PermissionError())
    assert policy.should_retry(1, OSError())


def test_no_retry():
    assert not NoRetry().should_retry(1, Exception())
    assert NoRetry().delays() == []


def test_max_attempts_validation():
    with pytest.raises(ConfigurationError):
        RetryPolicy(max_attempts=0)


def test_fixed_delay():
    policy = FixedDelay("30s", max_attempts=4)
    assert policy.delays() == [30.0, 30.0, 30.0]


def test_linear_backoff_with_cap():
    policy = LinearBackoff(2, 3, max_delay=7, max_attempts=5)
    assert policy.delays() == [2, 5, 7, 7]


def test_exponential_backoff():
    policy = ExponentialBackoff(base=1, factor=2, max_delay=10, max_attempts=6)
    assert policy.delays() == [1, 2, 4, 8, 10]


def test_exponential_backoff_factor_validation():
    with pytest.raises(ConfigurationError):
        ExponentialBackoff(factor=0.5)


def test_delay_attempt_must_be_positive():
    with pytest.raises(ConfigurationError):
        FixedDelay(1).delay(0)


def test_jitter_applied_and_seeded():
    policy = ExponentialBackoff(base=4, max_attempts=3, jitter=FullJitter(seed=7))
    reference = FullJitter(seed=7)
    assert policy.delays() == [reference.apply(4), reference.apply(8)]


def test_policy_from_config_exponential():
    policy = policy_from_config({"kind": "exponential", "base": "2s", "retries": 3})
    assert isinstance(policy, ExponentialBackoff)
    assert policy.max_attempts == 4
    assert policy.delays() == [2, 4, 8]


def test_policy_from_config_fixed_default_and_none():
    assert policy_from_config({"delay": 5, "max_attempts": 2}).delays() == [5]
    assert isinstance(policy_from_config(None), NoRetry)
    assert isinstance(policy_from_config({"kind": "none"}), NoRetry)


def test_policy_from_config_linear_and_jitter():
    policy = policy_from_config({"kind": "linear", "initial": 1, "increment": 2,
                                 "retries": 2, "jitter": "full", "seed": 3})
    reference = FullJitter(seed=3)
    assert policy.delays() == [reference.apply(1), reference.apply(3)]


def test_policy_from_config_unknown_kind():
    with pytest.raises(ConfigurationError):
        policy_from_config({"kind": "quadratic"})


def test_base_policy_defaults():
    policy = RetryPolicy()
    assert policy.max_attempts == 3
    assert policy.delays() == [0.0, 0.0]


def test_subclass_default_attempts():
    assert FixedDelay(1).max_attempts == 3
    assert LinearBackoff(1, 1).max_attempts == 3
    policy = ExponentialBackoff()
    assert (policy.max_attempts, policy.base, policy.factor, policy.max_delay) == (5, 1.0, 2.0, 300.0)


def test_factor_of_one_is_constant():
    assert ExponentialBackoff(base=3, factor=1, max_attempts=3).delays() == [3, 3]


def test_policy_from_config_defaults():
    assert policy_from_config({}).delays() == [0.0, 0.0]
    assert policy_from_config({"kind": "linear"}).delays() == [1.0, 2.0]
    seeded = policy_from_config({"kind": "fixed", "delay": 10, "jitter": "full"})
    reference = FullJitter(seed=0)
    assert seeded.delays() == [reference.apply(10), reference.apply(10)]
