"""Alert channels: URL validation, secret redaction, Apprise on loopback, file channel."""
from __future__ import annotations

import json
import logging
import socket

import pytest

from monitor_pipeline.core.alerts.channels import (
    AppriseChannel,
    ChannelConfigError,
    DeliveryError,
    FileChannel,
    channels_from_env,
    redact,
    redact_url,
    split_alert_urls,
)
from monitor_pipeline_tests.receivers import SmtpReceiver, WebhookReceiver, free_port

pytestmark = pytest.mark.timeout(60)

PASSWORD = "Hx7-motdepasse-2025"
TOKEN = "tok9f83kq1zz"
SLACK = "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ"


def test_unknown_scheme_is_refused_naming_the_scheme_not_the_secret():
    with pytest.raises(ChannelConfigError) as err:
        AppriseChannel(f"pigeon://bob:{PASSWORD}@colombier.example/{TOKEN}")
    message = str(err.value)
    assert "'pigeon'" in message
    assert PASSWORD not in message and TOKEN not in message


def test_url_without_scheme_is_refused():
    with pytest.raises(ChannelConfigError, match="no scheme"):
        AppriseChannel(f"hooks.example/{TOKEN}")


def test_known_scheme_with_invalid_url_is_refused_without_secret():
    with pytest.raises(ChannelConfigError) as err:
        AppriseChannel(f"slack://{TOKEN}")
    assert "slack://" in str(err.value)
    assert TOKEN not in str(err.value)


def test_names_are_redacted_labels():
    hook = AppriseChannel(f"json://bob:{PASSWORD}@127.0.0.1:8080/hooks/{TOKEN}?secret={TOKEN}")
    assert hook.name == "json://127.0.0.1:8080/…"
    assert AppriseChannel(SLACK).name == "slack://***"
    assert redact_url("mailto://bob:pw@smtp.example:2525?to=a@b.fr") == "mailto://smtp.example:2525/…"


def test_redact_masks_secrets_and_userinfo():
    text = f"POST json://bob:{PASSWORD}@host/{TOKEN} failed; token={TOKEN}"
    redacted = redact(text, [PASSWORD, TOKEN])
    assert PASSWORD not in redacted and TOKEN not in redacted
    assert "json://***@host" in redacted
    assert redact("rien à cacher", ["ab"]) == "rien à cacher"  # too short to be a secret


def test_delivery_failure_raises_redacted_error(caplog):
    port = free_port()  # nothing listens there: connection refused
    channel = AppriseChannel(f"json://bob:{PASSWORD}@127.0.0.1:{port}/{TOKEN}", timeout_s=2)
    with caplog.at_level(logging.DEBUG, logger="apprise"), pytest.raises(DeliveryError) as err:
        channel.send("Titre", "Corps", "key-1")
    assert f"127.0.0.1:{port}" in str(err.value)
    assert PASSWORD not in str(err.value) and TOKEN not in str(err.value)
    assert caplog.records, "Apprise's log records should be visible"
    for record in caplog.records:
        assert PASSWORD not in record.getMessage() and TOKEN not in record.getMessage()


def test_webhook_500_then_200_and_idempotency_key_is_passed():
    with WebhookReceiver() as hook:
        channel = AppriseChannel(hook.apprise_url, timeout_s=5)
        hook.fail_next(1)
        with pytest.raises(DeliveryError, match="500"):
            channel.send("Licenciements : Atos", "Corps", "alert-abc")
        channel.send("Licenciements : Atos", "Corps de l'alerte", "alert-abc")
        assert len(hook.rejected) == 1 and len(hook.received) == 1
        request = hook.received[0]
        assert request["json"]["title"] == "Licenciements : Atos"
        assert request["json"]["idempotency_key"] == "alert-abc"
        assert request["headers"]["X-Idempotency-Key"] == "alert-abc"
        assert "Réf. alerte : alert-abc" in request["json"]["message"]


def test_mailto_to_local_plain_smtp_server_with_login():
    with SmtpReceiver() as smtp:
        channel = AppriseChannel(smtp.apprise_url(user="veille", password=PASSWORD), timeout_s=5)
        assert PASSWORD not in channel.name
        channel.send("Licenciements : Orange", "Orange prévoit de supprimer 600 postes.", "alert-mail-1")
        assert len(smtp.received) == 1
        mail = smtp.received[0]
        assert mail["subject"] == "Licenciements : Orange"
        assert "Orange prévoit de supprimer 600 postes." in mail["text"]
        assert mail["rcpt_tos"] == ["equipe@veille.example"]
        assert mail["headers"].get("X-Idempotency-Key") == "alert-mail-1"
        assert smtp.logins == [("veille", PASSWORD)]


def test_smtp_temporary_failure_is_a_delivery_error():
    with SmtpReceiver() as smtp:
        channel = AppriseChannel(smtp.apprise_url(), timeout_s=5)
        smtp.fail_next(1)
        with pytest.raises(DeliveryError):
            channel.send("Titre", "Corps", "k")
        assert smtp.received == [] and len(smtp.rejected) == 1


def test_file_channel_writes_json_lines(tmp_path):
    path = tmp_path / "sub" / "alerts.jsonl"
    channel = FileChannel(path)
    channel.send("Licenciements : Atos", "Premier corps", "alert-1")
    channel.send("Licenciements : Orange", "Deuxième corps", "alert-2")
    lines = path.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["idempotency_key"] for r in records] == ["alert-1", "alert-2"]
    assert records[1]["body"] == "Deuxième corps"
    assert channel.name == "file://alerts.jsonl"


def test_file_channel_failure_is_delivery_error(tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    with pytest.raises(DeliveryError):
        FileChannel(blocker / "alerts.jsonl").send("t", "b", "k")


def test_channels_from_env_defaults_to_file(tmp_path):
    (channel,) = channels_from_env({}, data_dir=tmp_path)
    assert isinstance(channel, FileChannel)
    assert channel.path == tmp_path / "alerts.jsonl"


def test_channels_from_env_parses_space_and_comma_separated_urls(tmp_path):
    value = (
        f"json://127.0.0.1:9000/{TOKEN}, "
        "mailto://127.0.0.1:2525?from=a@veille.example&to=b@veille.example,c@veille.example&mode=insecure "
        f"{SLACK}"
    )
    channels = channels_from_env({"MONITOR_ALERT_URLS": value}, data_dir=tmp_path)
    assert [c.name for c in channels] == [
        "json://127.0.0.1:9000/…",
        "mailto://127.0.0.1:2525/…",
        "slack://***",
    ]


def test_split_keeps_commas_inside_urls():
    assert split_alert_urls("mailto://h?to=a@x.fr,b@x.fr,json://h/p") == [
        "mailto://h?to=a@x.fr,b@x.fr",
        "json://h/p",
    ]


def test_channels_from_env_names_bad_entry_without_secret(tmp_path):
    value = f"json://127.0.0.1:9000/hook https://bob:{PASSWORD}@hooks.example/{TOKEN}"
    with pytest.raises(ChannelConfigError) as err:
        channels_from_env({"MONITOR_ALERT_URLS": value}, data_dir=tmp_path)
    assert "entry #2" in str(err.value) and "'https'" in str(err.value)
    assert PASSWORD not in str(err.value) and TOKEN not in str(err.value)


def test_duplicate_labels_get_distinct_secret_free_names(tmp_path):
    other = "slack://T1JJ3T3L2/A1BRTD4JD/ZZiajkdnlazkcOXrIdevi7FQ"
    channels = channels_from_env({"MONITOR_ALERT_URLS": f"{SLACK} {other} {SLACK}"}, data_dir=tmp_path)
    names = [c.name for c in channels]
    assert len(names) == 2 and len(set(names)) == 2  # the exact duplicate is dropped
    assert all(n.startswith("slack://***#") for n in names)
    assert not any("T1JJ3T3L2" in n for n in names)


def test_silent_server_is_bounded_by_the_timeout():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)  # accepts connections, never answers
        port = server.getsockname()[1]
        channel = AppriseChannel(f"json://127.0.0.1:{port}/hook", timeout_s=1)
        with pytest.raises(DeliveryError):
            channel.send("Titre", "Corps", "k")


def test_timeout_setting_from_env(tmp_path):
    env = {"MONITOR_ALERT_URLS": "json://127.0.0.1:9000/hook", "MONITOR_ALERT_TIMEOUT_S": "2.5"}
    (channel,) = channels_from_env(env, data_dir=tmp_path)
    assert channel.timeout_s == 2.5
    with pytest.raises(ChannelConfigError, match="MONITOR_ALERT_TIMEOUT_S"):
        channels_from_env({**env, "MONITOR_ALERT_TIMEOUT_S": "bientôt"}, data_dir=tmp_path)
