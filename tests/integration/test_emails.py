"""Customer e-mails end to end: queued with the news, sent once to a real SMTP server, not lost."""

from __future__ import annotations

import re
from datetime import timedelta
from threading import Event
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select, update

from tests.mail import Login, MailCA, Session, SmtpServer, parts
from tests.support import csrf_token, sign_in
from webapp import ingest, notifications
from webapp.extensions import db
from webapp.models import AuditEntry, Notification, Order, OrderItem, Shipment, utcnow
from webapp.tracking import notices
from webapp.tracking.scans import CarrierScan
from webapp.tracking.statuses import Status
from workers import poller
from workers.notifier import Notifier, claim

NUMBER = "LL-5001"
PUBLIC = "https://track.shop.example"


@pytest.fixture
def smtp():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mail_app(app, smtp):
    """The app sending to the test's SMTP server, with the settings e-mails need."""
    app.config.update(
        MAIL_URL=smtp.url,
        PUBLIC_URL=PUBLIC,
        SUPPORT_EMAIL="help@shop.example",
        MAIL_TIMEOUT_SECONDS=5,
    )
    return app


def place_order(app, number=NUMBER, name="Ada Lovelace", days_ago=0, **fields) -> None:
    with app.app_context():
        order = Order(
            number=number,
            email=fields.pop("email", "ada@example.com"),
            name=name,
            postcode="LS6 2QT",
            country="GB",
            placed_at=utcnow() - timedelta(days=days_ago, minutes=5),
            items=[OrderItem(sku="LL-SER-01", title="Vitamin C Serum", quantity=2)],
            **fields,
        )
        db.session.add(order)
        notifications.order_placed(order)
        db.session.commit()


def record(app, *statuses: Status, number=NUMBER, tracking="RB123456785GB", minutes_ago=60):
    """Record scans of these statuses a minute apart, ending `minutes_ago` before now, on the
    order's parcel (registered with the first call)."""
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.number == number))
        shipment = next(iter(order.shipments), None)
        if shipment is None:
            shipment = Shipment(carrier="royalmail", tracking_number=tracking)
            order.shipments.append(shipment)
        ingest.record_scans(shipment, scans(statuses, minutes_ago))
        db.session.commit()


def scans(statuses, minutes_ago: int) -> list[CarrierScan]:
    end = utcnow() - timedelta(minutes=minutes_ago)
    return [
        CarrierScan(
            occurred_at=end - timedelta(minutes=len(statuses) - index),
            status=status,
            carrier_text=f"{status.value} scan",
            exception_reason="customs" if status is Status.EXCEPTION else None,
            key=f"{status.value}-{minutes_ago}",
        )
        for index, status in enumerate(statuses)
    ]


def send_due(app, owner="worker-1") -> int:
    """What one notifier tick claims and handles."""
    return Notifier.for_app(app, owner).tick(Event())


def queue(app) -> list[tuple[str, str, str | None]]:
    """(kind, status, why skipped) of every notification, in the order queued."""
    with app.app_context():
        rows = db.session.execute(
            select(Notification.kind, Notification.status, Notification.skip_reason).order_by(
                Notification.id
            )
        )
        return [tuple(row) for row in rows]


def due_now(app) -> None:
    """Bring every waiting retry forward to now, as time passing would."""
    with app.app_context():
        db.session.execute(update(Notification).values(next_attempt_at=utcnow()))
        db.session.commit()


# The messages


def test_the_order_confirmation_has_both_parts_the_items_and_a_working_link(mail_app, smtp):
    place_order(mail_app)
    assert send_due(mail_app) == 1
    [message] = smtp.inbox.messages
    assert message["Subject"] == f"Order {NUMBER} is confirmed"
    assert message["To"] == "Ada Lovelace <ada@example.com>"
    assert message["From"] == "Lumen & Leaf Skincare <help@shop.example>"
    assert message["Reply-To"] == "help@shop.example"
    assert message.get_content_type() == "multipart/alternative"
    text, html = parts(message)
    for body in (text, html):
        assert NUMBER in body
        assert "Vitamin C Serum" in body
    link = re.search(rf"{PUBLIC}/t/[\w-]+", text)[0]
    assert f'href="{link}"' in html
    client = mail_app.test_client()
    page = client.get(urlsplit(link).path)
    assert page.status_code == 200
    assert NUMBER in page.get_data(as_text=True)


def test_the_unsubscribe_header_and_link_stop_emails_in_one_click(mail_app, smtp):
    place_order(mail_app)
    send_due(mail_app)
    [message] = smtp.inbox.messages
    stop = re.fullmatch(r"<(\S+)>", message["List-Unsubscribe"].strip())[1]
    assert stop.startswith(f"{PUBLIC}/emails/stop/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert stop in parts(message)[0]
    client = mail_app.test_client()
    path = urlsplit(stop).path
    assert client.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 204
    record(mail_app, Status.INFO_RECEIVED)
    send_due(mail_app)
    assert len(smtp.inbox.messages) == 1
    assert queue(mail_app)[-1] == ("shipped", "skipped", "stopped")


def test_no_tracking_pixels_nor_remote_images_and_styles_inline(mail_app, smtp):
    place_order(mail_app)
    record(mail_app, Status.DELIVERED)
    send_due(mail_app)
    for message in smtp.inbox.messages:
        html = parts(message)[1]
        assert "<img" not in html
        assert "<style" not in html
        assert 'style="' in html
        assert "<table" in html


def test_html_in_the_customers_name_is_escaped(mail_app, smtp):
    place_order(mail_app, name="Ada <b>Lovelace</b>")
    send_due(mail_app)
    text, html = parts(smtp.inbox.messages[0])
    assert "Ada &lt;b&gt;Lovelace&lt;/b&gt;" in html
    assert "<b>Lovelace" not in html
    assert "Hello Ada <b>Lovelace</b>," in text  # plain text is not HTML


def test_each_kind_has_its_subject_and_says_what_happened(mail_app, smtp):
    place_order(mail_app)
    record(mail_app, Status.INFO_RECEIVED, minutes_ago=50)
    record(mail_app, Status.EXCEPTION, minutes_ago=40)
    record(mail_app, Status.OUT_FOR_DELIVERY, minutes_ago=30)
    record(mail_app, Status.FAILED_ATTEMPT, minutes_ago=20)
    record(mail_app, Status.AVAILABLE_FOR_PICKUP, minutes_ago=15)
    record(mail_app, Status.DELIVERED, minutes_ago=10)
    while send_due(mail_app):
        pass
    subjects = {message["Subject"]: parts(message)[0] for message in smtp.inbox.messages}
    expected = {
        f"Order {NUMBER} is confirmed": "We have your order",
        f"Your order {NUMBER} is on its way": "RB123456785GB",
        f"Your order {NUMBER} is delayed": "held in customs",
        f"Your order {NUMBER} is out for delivery": "on the van with Royal Mail",
        f"We tried to deliver your order {NUMBER}": "could not",
        f"Your order {NUMBER} is ready to collect": "pickup point",
        f"Your order {NUMBER} has been delivered": "delivered your parcel",
    }
    assert subjects.keys() == expected.keys()
    for subject, words in expected.items():
        assert words in subjects[subject]


def test_dates_are_in_the_customers_language_and_time_zone(mail_app, smtp):
    place_order(mail_app, locale="de", time_zone="Europe/Berlin")
    send_due(mail_app)
    with mail_app.app_context():
        placed = db.session.scalar(select(Order.placed_at))
    local = placed + timedelta(hours=1)  # CET in December
    assert local.strftime("%d.%m.%Y, %H:%M") in parts(smtp.inbox.messages[0])[0]


# Exactly once


def test_a_stage_is_mailed_once_whatever_duplicates_arrive(mail_app, smtp, app_factory):
    place_order(mail_app)
    record(mail_app, Status.INFO_RECEIVED)
    record(mail_app, Status.INFO_RECEIVED)  # the same scan, polled again
    record(mail_app, Status.IN_TRANSIT, minutes_ago=30)  # more news of the same kind
    other = app_factory()
    for app in (mail_app, other):  # two workers recording the same news at once
        with app.app_context():
            shipment = db.session.scalar(select(Shipment))
            news = notices.for_scans(scans([Status.IN_TRANSIT], 5), Status.IN_TRANSIT)
            notifications.scans_recorded([(shipment, news)])
            db.session.commit()
    assert queue(mail_app) == [("order_confirmation", "queued", None), ("shipped", "queued", None)]
    while send_due(mail_app):
        pass
    assert [message["Subject"] for message in smtp.inbox.messages] == [
        f"Order {NUMBER} is confirmed",
        f"Your order {NUMBER} is on its way",
    ]


def test_two_workers_never_send_one_message_twice(mail_app, smtp):
    place_order(mail_app)
    first = Notifier.for_app(mail_app, "worker-1")
    with mail_app.app_context():
        claimed = claim("worker-1", utcnow(), 120, 10)
    assert send_due(mail_app, owner="worker-2") == 0  # leased to the first
    for notification_id in claimed:
        first.deliver(notification_id)
    assert len(smtp.inbox.messages) == 1


def test_a_catch_up_from_label_to_delivered_sends_only_the_delivered_message(mail_app, smtp):
    place_order(mail_app)
    send_due(mail_app)
    record(
        mail_app,
        Status.INFO_RECEIVED,
        Status.IN_TRANSIT,
        Status.OUT_FOR_DELIVERY,
        Status.DELIVERED,
    )
    send_due(mail_app)
    assert [message["Subject"] for message in smtp.inbox.messages] == [
        f"Order {NUMBER} is confirmed",
        f"Your order {NUMBER} has been delivered",
    ]
    assert queue(mail_app) == [
        ("order_confirmation", "sent", None),
        ("shipped", "skipped", "catch_up"),
        ("out_for_delivery", "skipped", "catch_up"),
        ("delivered", "sent", None),
    ]


def test_news_too_old_to_mail_is_recorded_not_sent(mail_app, smtp):
    place_order(mail_app, days_ago=10)  # an old order imported
    record(mail_app, Status.DELIVERED, minutes_ago=8 * 24 * 60)
    assert send_due(mail_app) == 0
    assert queue(mail_app) == [
        ("order_confirmation", "skipped", "stale"),
        ("delivered", "skipped", "stale"),
    ]
    assert smtp.inbox.messages == []


# Never lost


def test_with_the_smtp_server_down_messages_wait_and_go_out_when_it_returns(mail_app, smtp):
    smtp.stop()
    place_order(mail_app)
    record(mail_app, Status.INFO_RECEIVED)
    assert send_due(mail_app) == 2
    with mail_app.app_context():
        waiting = db.session.scalars(select(Notification)).all()
        assert {(n.status, n.attempts) for n in waiting} == {("queued", 1)}
        assert all(n.next_attempt_at > utcnow() for n in waiting)
        assert all("ConnectionRefusedError" in n.error for n in waiting)
    assert send_due(mail_app) == 0  # not due again yet
    smtp.start()
    due_now(mail_app)
    assert send_due(mail_app) == 2
    assert len(smtp.inbox.messages) == 2
    assert {status for _, status, _ in queue(mail_app)} == {"sent"}


def test_after_an_outage_a_customer_reads_the_messages_in_the_order_they_were_queued(
    mail_app, smtp
):
    smtp.stop()
    place_order(mail_app)
    send_due(mail_app)  # the confirmation waits for its retry
    smtp.start()
    record(mail_app, Status.DELIVERED)
    assert send_due(mail_app) == 0  # due now, but behind the confirmation
    due_now(mail_app)
    assert send_due(mail_app) == 2
    subjects = [message["Subject"] for message in smtp.inbox.messages]
    assert subjects == [f"Order {NUMBER} is confirmed", f"Your order {NUMBER} has been delivered"]


def test_after_the_last_try_the_failure_shows_on_the_order(mail_app, smtp, client, staff):
    mail_app.config["NOTIFY_MAX_ATTEMPTS"] = 2
    smtp.stop()
    place_order(mail_app)
    send_due(mail_app)
    due_now(mail_app)
    send_due(mail_app)
    assert queue(mail_app) == [("order_confirmation", "failed", None)]
    sign_in(client, staff("viewer"))
    page = client.get(f"/admin/orders/{NUMBER}").get_data(as_text=True)
    assert "Failed after 2 tries: ConnectionRefusedError" in page


def test_a_refused_address_fails_at_once_with_the_servers_words(mail_app, smtp):
    smtp.inbox.refused.add("ada@example.com")
    place_order(mail_app)
    send_due(mail_app)
    with mail_app.app_context():
        failed = db.session.scalar(select(Notification))
        assert (failed.status, failed.attempts) == ("failed", 1)
        assert failed.error.startswith("550 5.1.1 No such mailbox here")


def test_a_refused_login_keeps_mail_waiting_until_the_setting_is_put_right(mail_app, tmp_path):
    """A wrong password is the service's mistake, not the customer's: nothing fails for it."""
    ca = MailCA(tmp_path)
    server = SmtpServer("smtps", ca, Login("tracking", "right"))
    server.start()
    try:
        mail_app.config.update(MAIL_URL=server.url_as("tracking", "wrong"), MAIL_CA_FILE=ca.pem)
        place_order(mail_app)
        send_due(mail_app)
        with mail_app.app_context():
            waiting = db.session.scalar(select(Notification))
            assert (waiting.status, waiting.attempts) == ("queued", 1)
            assert waiting.error.startswith("535 5.7.8 Authentication credentials invalid")
        mail_app.config["MAIL_URL"] = server.url_as("tracking", "right")
        due_now(mail_app)
        send_due(mail_app)
        assert queue(mail_app) == [("order_confirmation", "sent", None)]
        assert server.inbox.sessions == [Session(encrypted=True, login="tracking")]
    finally:
        server.stop()


def test_a_worker_that_dies_mid_send_causes_at_most_one_duplicate(mail_app, smtp):
    place_order(mail_app)
    dying = Notifier.for_app(mail_app, "worker-1")
    with mail_app.app_context():
        [claimed] = claim("worker-1", utcnow(), 120, 10)
    with mail_app.app_context():
        message, _ = dying._prepare(claimed)
    dying.transport.send(message)  # accepted; the worker dies before recording it
    assert send_due(mail_app, owner="worker-2") == 0  # its lease still holds
    with mail_app.app_context():  # the lease runs out
        db.session.execute(update(Notification).values(lease_expires_at=utcnow()))
        db.session.commit()
    assert send_due(mail_app, owner="worker-2") == 1
    first, again = smtp.inbox.messages
    assert first["Message-ID"] == again["Message-ID"]
    assert queue(mail_app) == [("order_confirmation", "sent", None)]


def test_without_an_address_to_link_to_the_message_waits_saying_what_to_set(mail_app, smtp):
    mail_app.config["PUBLIC_URL"] = ""
    place_order(mail_app)
    send_due(mail_app)
    with mail_app.app_context():
        waiting = db.session.scalar(select(Notification))
        assert waiting.status == "queued"
        assert "Set MLN_PUBLIC_URL" in waiting.error
    assert smtp.inbox.messages == []


def test_the_embedded_default_writes_each_message_to_a_file(mail_app, tmp_path):
    mail_app.config["MAIL_URL"] = f"file://{tmp_path / 'mail'}"
    place_order(mail_app)
    send_due(mail_app)
    [written] = (tmp_path / "mail").glob("*.eml")
    assert f"Subject: Order {NUMBER} is confirmed" in written.read_text()


# Delays the carrier does not scan


def test_a_stall_and_a_later_estimate_each_send_a_delay_notice(mail_app, smtp):
    place_order(mail_app, number="LL-5002")
    place_order(mail_app, number="LL-5003", email="grace@example.com")
    record(mail_app, Status.IN_TRANSIT, number="LL-5002", tracking="RB100000001GB")
    record(mail_app, Status.IN_TRANSIT, number="LL-5003", tracking="RB100000002GB")
    with mail_app.app_context():
        stalled, later = db.session.scalars(select(Shipment).order_by(Shipment.id)).all()
        assert poller._flag_stalled(stalled, utcnow() + timedelta(days=5), 4 * 86400)
        today = utcnow().date()
        ingest.update_estimate(later, today + timedelta(days=1))
        ingest.update_estimate(later, today + timedelta(days=3))
        db.session.commit()
    while send_due(mail_app):
        pass
    delays = {
        message["To"]: parts(message)[0]
        for message in smtp.inbox.messages
        if "delayed" in message["Subject"]
    }
    assert "has not reported on your parcel" in delays["Ada Lovelace <ada@example.com>"]
    assert "later than it first said" in delays["Ada Lovelace <grace@example.com>"]


def test_a_return_to_sender_says_so(mail_app, smtp):
    place_order(mail_app)
    record(mail_app, Status.IN_TRANSIT, minutes_ago=30)
    record(mail_app, Status.RETURNED_TO_SENDER, minutes_ago=10)
    while send_due(mail_app):
        pass
    returned = smtp.inbox.messages[-1]
    assert returned["Subject"] == f"Your order {NUMBER} is on its way back to us"


# The stop page


def stop_path(app) -> str:
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.number == NUMBER))
        return f"/emails/stop/{order.mail_key}"


def test_the_stop_page_asks_first_stops_and_starts_again(mail_app, smtp, client):
    place_order(mail_app)
    send_due(mail_app)
    path = stop_path(mail_app)
    page = client.get(path).get_data(as_text=True)
    assert "Stop e-mails about this order" in page
    assert queue(mail_app)[0][1] == "sent"  # opening the page changed nothing
    stopped = client.post(path).get_data(as_text=True)
    assert "You will get no more e-mails about this order" in stopped
    record(mail_app, Status.INFO_RECEIVED, minutes_ago=30)
    send_due(mail_app)
    assert len(smtp.inbox.messages) == 1
    resumed = client.post(path.replace("/stop/", "/resume/")).get_data(as_text=True)
    assert "You will get e-mails about this order again" in resumed
    record(mail_app, Status.OUT_FOR_DELIVERY, minutes_ago=10)
    send_due(mail_app)
    assert smtp.inbox.messages[-1]["Subject"] == f"Your order {NUMBER} is out for delivery"


def test_the_stop_link_outlives_a_new_tracking_link(mail_app, smtp, client):
    place_order(mail_app)
    send_due(mail_app)
    path = stop_path(mail_app)
    with mail_app.app_context():
        ingest.revoke_link(db.session.scalar(select(Order)))
        db.session.commit()
    assert client.post(path).status_code == 200


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_unknown_stop_key_is_a_404(client, method):
    assert getattr(client, method)("/emails/stop/not-a-key").status_code == 404


# Staff


def detail_page(client) -> str:
    return client.get(f"/admin/orders/{NUMBER}").get_data(as_text=True)


def test_staff_see_each_email_with_its_state(mail_app, smtp, client, staff):
    place_order(mail_app)
    send_due(mail_app)
    record(mail_app, Status.INFO_RECEIVED, Status.DELIVERED)
    sign_in(client, staff("viewer"))
    page = detail_page(client)
    assert "Order confirmation" in page
    assert "Sent" in page
    assert "Not sent: a later e-mail covered it" in page
    assert "Waiting to be sent" in page
    assert "Send again" not in page  # viewers read


def resend(client, notification_id: int, with_token: bool = True):
    data = {"csrf_token": csrf_token(client, "/admin")} if with_token else {}
    return client.post(f"/admin/orders/{NUMBER}/emails/{notification_id}/resend", data=data)


def sent_confirmation(app) -> int:
    with app.app_context():
        return db.session.scalar(select(Notification.id))


def test_an_agent_sends_an_email_again_as_a_new_audited_row(mail_app, smtp, client, staff):
    place_order(mail_app)
    send_due(mail_app)
    original = sent_confirmation(mail_app)
    client.post(stop_path(mail_app))  # the customer stopped e-mails, then asked staff for one
    sign_in(client, staff("agent"))
    assert resend(client, original).status_code == 303
    send_due(mail_app)
    assert len(smtp.inbox.messages) == 2
    with mail_app.app_context():
        again = db.session.scalars(select(Notification).order_by(Notification.id)).all()[-1]
        assert (again.kind, again.manual, again.status) == ("order_confirmation", True, "sent")
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "email_resent"))
        assert entry.actor_email == staff("agent")
        assert entry.detail["original"] == original
    page = detail_page(client)
    assert "sent again by staff" in page
    assert "Order confirmation sent again to ada@example.com." in page


def test_one_waiting_to_go_is_not_sent_again(mail_app, client, staff):
    place_order(mail_app)
    sign_in(client, staff("agent"))
    response = resend(client, sent_confirmation(mail_app))
    assert response.status_code == 422
    assert "waiting to be sent already" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("role", "with_token", "status"), [("viewer", True, 403), ("agent", False, 400)]
)
def test_sending_again_takes_an_agent_and_the_csrf_token(
    mail_app, smtp, client, staff, role, with_token, status
):
    place_order(mail_app)
    send_due(mail_app)
    sign_in(client, staff(role))
    assert resend(client, sent_confirmation(mail_app), with_token).status_code == status
    assert len(queue(mail_app)) == 1


def test_another_orders_email_is_a_404(mail_app, smtp, client, staff):
    place_order(mail_app)
    place_order(mail_app, number="LL-5009", email="other@example.com")
    with mail_app.app_context():
        other = db.session.scalar(
            select(Notification.id).join(Order).where(Order.number == "LL-5009")
        )
    sign_in(client, staff("agent"))
    assert resend(client, other).status_code == 404


def test_an_email_whose_order_is_deleted_while_leased_is_dropped_quietly(mail_app, smtp):
    place_order(mail_app)
    with mail_app.app_context():
        [claimed] = claim("worker-1", utcnow(), 120, 10)
        db.session.delete(db.session.scalar(select(Order)))
        db.session.commit()
    Notifier.for_app(mail_app, "worker-1").deliver(claimed)
    assert smtp.inbox.messages == []
