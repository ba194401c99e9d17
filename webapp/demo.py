"""`flask demo seed`: realistic orders of a skincare shop, in every stage a parcel can be in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import click
from flask.cli import AppGroup
from sqlalchemy import select

from webapp import notifications
from webapp.admin.accounts import create_user, set_password
from webapp.demo_shop import shop_command
from webapp.extensions import db
from webapp.ingest import record_scans
from webapp.models import AdminUser, Order, OrderItem, Shipment
from webapp.tracking.scans import CarrierScan
from webapp.tracking.statuses import Status

cli = AppGroup("demo", help="Demo data, and a sample shop page with the widget.")
cli.add_command(shop_command)

PRODUCTS = {
    "LL-SER-01": "Vitamin C Brightening Serum 30 ml",
    "LL-CLN-02": "Oat Milk Gentle Cleanser 150 ml",
    "LL-MST-03": "Ceramide Barrier Moisturiser 50 ml",
    "LL-SPF-04": "Daily Mineral Sunscreen SPF 50",
    "LL-TNR-05": "Rose Water Hydrating Toner 200 ml",
    "LL-MSK-06": "Green Clay Purifying Mask 75 ml",
    "LL-EYE-07": "Caffeine Eye Cream 15 ml",
    "LL-OIL-08": "Squalane Night Oil 30 ml",
    "LL-LIP-09": "Shea Lip Balm Trio",
    "LL-GFT-10": "Weekend Ritual Gift Set",
}

# Places a parcel passes through: (city, region, country, UTC offset in minutes).
LONDON = ("London", "", "GB", 0)
BIRMINGHAM = ("Birmingham", "", "GB", 0)
LEEDS = ("Leeds", "", "GB", 0)
MANCHESTER = ("Manchester", "", "GB", 0)
EDINBURGH = ("Edinburgh", "", "GB", 0)
COLOGNE = ("Köln", "NRW", "DE", 60)
BERLIN = ("Berlin", "", "DE", 60)
PARIS = ("Paris", "", "FR", 60)
AMSTERDAM = ("Amsterdam", "", "NL", 60)
EAST_MIDLANDS = ("East Midlands Airport", "", "GB", 0)
LOUISVILLE = ("Louisville", "KY", "US", -300)
NEW_YORK = ("New York", "NY", "US", -300)
CHICAGO = ("Chicago", "IL", "US", -360)

LABEL = (Status.INFO_RECEIVED, "Shipping label created, awaiting item", LONDON)
COLLECTED = (Status.IN_TRANSIT, "Item collected from sender", LONDON)
HUB = (Status.IN_TRANSIT, "Arrived at national sorting hub", BIRMINGHAM)


def _van(city):
    return (Status.OUT_FOR_DELIVERY, "Out for delivery with your local driver", city)


def _delivered(city):
    return (Status.DELIVERED, "Delivered, signed for at front door", city)


def _depot(city):
    return (Status.IN_TRANSIT, "Arrived at delivery depot", city)


UK_DELIVERED = [LABEL, COLLECTED, HUB, _depot(LEEDS), _van(LEEDS), _delivered(LEEDS)]

ORDERS = [
    # number, name, e-mail, postcode, country, days ago, SKUs,
    # shipments: [(carrier, tracking number, service, journey, ETA in days)]
    (
        "LL-10231",
        "Amelia Hart",
        "amelia.hart@example.com",
        "LS6 2QT",
        "GB",
        9,
        ["LL-SER-01", "LL-MST-03"],
        [("royalmail", "RB123456785GB", "Tracked 48", UK_DELIVERED, None)],
    ),
    (
        "LL-10232",
        "Oliver Bennett",
        "oliver.b@example.net",
        "M20 6RT",
        "GB",
        8,
        ["LL-CLN-02"],
        [
            (
                "dpd",
                "15501234567890",
                "Next Day",
                [
                    LABEL,
                    COLLECTED,
                    HUB,
                    _depot(MANCHESTER),
                    _van(MANCHESTER),
                    _delivered(MANCHESTER),
                ],
                None,
            )
        ],
    ),
    (
        "LL-10233",
        "Sofia Rossi",
        "sofia.rossi@example.it",
        "EH3 9AB",
        "GB",
        7,
        ["LL-SPF-04", "LL-LIP-09"],
        [
            (
                "royalmail",
                "RB987654321GB",
                "Tracked 24",
                [LABEL, COLLECTED, HUB, _depot(EDINBURGH), _van(EDINBURGH), _delivered(EDINBURGH)],
                None,
            )
        ],
    ),
    (
        "LL-10234",
        "Noah Fischer",
        "noah.fischer@example.de",
        "10115",
        "DE",
        6,
        ["LL-GFT-10"],
        [
            (
                "dhl",
                "3318810025",
                "Express Worldwide",
                [
                    LABEL,
                    COLLECTED,
                    (Status.IN_TRANSIT, "Departed facility", EAST_MIDLANDS),
                    (Status.IN_TRANSIT, "Arrived at DHL hub", COLOGNE),
                    (Status.IN_TRANSIT, "Customs clearance completed", COLOGNE),
                    _depot(BERLIN),
                    _van(BERLIN),
                    _delivered(BERLIN),
                ],
                None,
            )
        ],
    ),
    (
        "LL-10235",
        "Grace Thompson",
        "grace.t@example.com",
        "B15 2TT",
        "GB",
        5,
        ["LL-MSK-06", "LL-TNR-05", "LL-EYE-07"],
        [
            (
                "royalmail",
                "RB555666777GB",
                "Tracked 48",
                [LABEL, COLLECTED, HUB, _depot(BIRMINGHAM), _van(BIRMINGHAM)],
                0,
            )
        ],
    ),
    (
        "LL-10236",
        "Liam O'Connor",
        "liam.oconnor@example.ie",
        "SW1A 1AA",
        "GB",
        4,
        ["LL-OIL-08"],
        [
            (
                "dpd",
                "15509876543210",
                "Next Day",
                [
                    LABEL,
                    COLLECTED,
                    HUB,
                    _depot(LONDON),
                    _van(LONDON),
                    (
                        Status.FAILED_ATTEMPT,
                        "We called but you were not in. Card left, we will try again tomorrow",
                        LONDON,
                    ),
                ],
                1,
            )
        ],
    ),
    (
        "LL-10237",
        "Chloe Martin",
        "chloe.martin@example.fr",
        "75011",
        "FR",
        6,
        ["LL-SER-01", "LL-SPF-04"],
        [
            (
                "dhl",
                "5548297215",
                "Parcel Connect",
                [
                    LABEL,
                    COLLECTED,
                    (Status.IN_TRANSIT, "Departed facility", EAST_MIDLANDS),
                    (
                        Status.EXCEPTION,
                        "Delayed by severe weather at the transit hub",
                        PARIS,
                        "weather",
                    ),
                ],
                3,
            )
        ],
    ),
    (
        "LL-10238",
        "Harry Wilson",
        "harry.wilson@example.co.uk",
        "LS1 4AP",
        "GB",
        3,
        ["LL-CLN-02", "LL-MST-03", "LL-TNR-05", "LL-SER-01"],
        [
            (
                "royalmail",
                "RB111222333GB",
                "Tracked 48",
                [LABEL, COLLECTED, HUB, _depot(LEEDS), _van(LEEDS), _delivered(LEEDS)],
                None,
            ),
            ("royalmail", "RB444555666GB", "Tracked 48", [LABEL, COLLECTED, HUB], 2),
        ],
    ),
    (
        "LL-10239",
        "Isla Campbell",
        "isla.campbell@example.com",
        "G1 1XQ",
        "GB",
        2,
        ["LL-LIP-09"],
        [("royalmail", "RB777888999GB", "Tracked 48", [LABEL, COLLECTED], 3)],
    ),
    (
        "LL-10240",
        "Jack Evans",
        "jack.evans@example.com",
        "CF10 1EP",
        "GB",
        1,
        ["LL-EYE-07", "LL-OIL-08"],
        [("dpd", "15501112223334", "Next Day", [LABEL], 2)],
    ),
    (
        "LL-10241",
        "Emma Johnson",
        "emma.johnson@example.com",
        "10001",
        "US",
        5,
        ["LL-GFT-10", "LL-SPF-04"],
        [
            (
                "ups",
                "1Z5R89390357567127",
                "Worldwide Saver",
                [
                    LABEL,
                    COLLECTED,
                    (Status.IN_TRANSIT, "Departed from facility", EAST_MIDLANDS),
                    (Status.IN_TRANSIT, "Arrived at facility", LOUISVILLE),
                    (
                        Status.EXCEPTION,
                        "Held by customs: import documentation required",
                        LOUISVILLE,
                        "customs",
                    ),
                ],
                4,
            )
        ],
    ),
    (
        "LL-10242",
        "Mia Schneider",
        "mia.schneider@example.de",
        "50667",
        "DE",
        12,
        ["LL-MSK-06"],
        [
            (
                "dhl",
                "7263950013",
                "Parcel Connect",
                [
                    LABEL,
                    COLLECTED,
                    (Status.IN_TRANSIT, "Arrived at DHL hub", COLOGNE),
                    _van(COLOGNE),
                    (Status.FAILED_ATTEMPT, "Recipient not at home", COLOGNE),
                    (Status.FAILED_ATTEMPT, "Second delivery attempt failed", COLOGNE),
                    (
                        Status.RETURNED_TO_SENDER,
                        "Not collected within 7 days; returning to sender",
                        COLOGNE,
                    ),
                ],
                None,
            )
        ],
    ),
    (
        "LL-10243",
        "Lucas de Vries",
        "lucas.devries@example.nl",
        "1012 JS",
        "NL",
        4,
        ["LL-SER-01"],
        [
            (
                "postnl",
                "3SABCD1234567",
                "Pakket",
                [
                    LABEL,
                    COLLECTED,
                    (Status.IN_TRANSIT, "Shipment sorted", AMSTERDAM),
                    (
                        Status.AVAILABLE_FOR_PICKUP,
                        "Ready for collection at PostNL point, Albert Heijn Damrak",
                        AMSTERDAM,
                    ),
                ],
                None,
            )
        ],
    ),
    (
        "LL-10244",
        "Ava Brown",
        "ava.brown@example.com",
        "60601",
        "US",
        7,
        ["LL-MST-03", "LL-SPF-04"],
        [
            (
                "usps",
                "9400111201080805483016",
                "Priority Mail International",
                [
                    LABEL,
                    COLLECTED,
                    (Status.IN_TRANSIT, "Arrived at USPS regional facility", NEW_YORK),
                    (Status.IN_TRANSIT, "In transit to next facility", CHICAGO),
                    _depot(CHICAGO),
                    _van(CHICAGO),
                    _delivered(CHICAGO),
                ],
                None,
            )
        ],
    ),
    (
        "LL-10245",
        "George Clarke",
        "george.clarke@example.com",
        "OX1 2JD",
        "GB",
        0,
        ["LL-CLN-02", "LL-TNR-05"],
        [],
    ),
    (
        "LL-10246",
        "Freya Walsh",
        "freya.walsh@example.com",
        "BS1 4DJ",
        "GB",
        0,
        ["LL-SER-01"],
        [("royalmail", "RB246813579GB", "Tracked 24", [], 2)],
    ),
    (
        "LL-10247",
        "Ethan Patel",
        "ethan.patel@example.com",
        "LE1 5WW",
        "GB",
        6,
        ["LL-OIL-08", "LL-EYE-07"],
        [
            (
                "dpd",
                "15503334445556",
                "Next Day",
                [
                    LABEL,
                    COLLECTED,
                    HUB,
                    (
                        Status.EXCEPTION,
                        "Parcel delayed at hub, we are working to get it moving",
                        BIRMINGHAM,
                        "delayed",
                    ),
                ],
                1,
            )
        ],
    ),
    (
        "LL-10248",
        "Poppy Hughes",
        "poppy.hughes@example.com",
        "NE1 7RU",
        "GB",
        10,
        ["LL-GFT-10"],
        [("royalmail", "RB135792468GB", "Special Delivery", UK_DELIVERED, None)],
    ),
    (
        "LL-10249",
        "Leo Murphy",
        "leo.murphy@example.com",
        "BT1 5GS",
        "GB",
        3,
        ["LL-MSK-06", "LL-LIP-09"],
        [
            (
                "dpd",
                "15506667778889",
                "Next Day",
                [
                    LABEL,
                    COLLECTED,
                    HUB,
                    (Status.IN_TRANSIT, "In transit to Northern Ireland depot", MANCHESTER),
                ],
                1,
            )
        ],
    ),
    (
        "LL-10250",
        "Ruby Edwards",
        "ruby.edwards@example.com",
        "YO1 7HH",
        "GB",
        2,
        ["LL-SER-01", "LL-CLN-02", "LL-MST-03"],
        [("royalmail", "RB864209753GB", "Tracked 48", [LABEL, COLLECTED, HUB, _depot(LEEDS)], 1)],
    ),
]


# Orders the worker follows live on the sandbox carrier, whose journeys start when it starts.
# The last digit of a sandbox tracking number picks the journey: 0-4 delivered, 5 weather delay,
# 6 failed attempt, 7 customs hold, 8 returned to sender, 9 lost.
LIVE_ORDERS = [
    ("LL-10251", "Maya Patel", "maya.patel@example.com", "M1 4BT", "GB", "SB4000000012"),
    ("LL-10252", "Finn Gallagher", "finn.gallagher@example.ie", "D02 X285", "IE", "SB4000000025"),
    ("LL-10253", "Lena Vogel", "lena.vogel@example.de", "10115", "DE", "SB4000000036"),
    ("LL-10254", "Jack O'Brien", "jack.obrien@example.com", "10001", "US", "SB4000000047"),
    ("LL-10255", "Zoe Martin", "zoe.martin@example.fr", "69002", "FR", "SB4000000058"),
]


# Printed by the seed: a demo is public knowledge, so never seed it into a real database.
DEMO_ADMIN = ("admin@lumen-leaf.example", "demo-staff-password")


@cli.command("seed")
@click.option("--base-url", default="http://127.0.0.1:8000", help="Where the service is served.")
@click.option("--shop-url", default="", help="Where the demo shop is served, if it is.")
def seed_command(base_url: str, shop_url: str) -> None:
    """Create the demo orders that are not there yet, and print how to look each one up."""
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    created = sum(seed_order(row, now) for row in ORDERS)
    for row in LIVE_ORDERS:
        seed_live_order(row, now)
    seed_demo_admin()
    db.session.commit()
    click.echo(
        f"Demo data: {created} orders created, {len(ORDERS) - created} already there, "
        f"{len(LIVE_ORDERS)} live orders started afresh."
    )
    click.echo(f"Look one up at {base_url}/track with its number and e-mail or postcode:")
    orders = db.session.scalars(select(Order).order_by(Order.number))
    for order in orders:
        click.echo(
            f"  {order.number}  {order.email:<28} {order.postcode:<9} {base_url}/t/{order.token}"
        )
    first, last = LIVE_ORDERS[0][0], LIVE_ORDERS[-1][0]
    click.echo(f"{first} to {last} travel live on the sandbox carrier: open one and watch it move.")
    if shop_url:
        click.echo(f"The demo shop, with the tracking widget on its page: {shop_url}/")
    click.echo(
        f"The staff panel: {base_url}/admin, signed in as {DEMO_ADMIN[0]} "
        f"with the password {DEMO_ADMIN[1]}"
    )


def seed_demo_admin() -> None:
    """The demo's admin account, with the printed password even if someone changed it."""
    email, password = DEMO_ADMIN
    user = db.session.scalar(select(AdminUser).where(AdminUser.email == email))
    if user is None:
        create_user(email, password, "admin")
    else:
        set_password(user, password)


def seed_order(row: tuple, now: datetime) -> bool:
    """Add one demo order with its journey; False when it exists already."""
    number, name, email, postcode, country, days_ago, skus, shipments = row
    if db.session.scalar(select(Order.id).where(Order.number == number)):
        return False
    placed_at = now - timedelta(days=days_ago, hours=3)
    order = Order(
        number=number,
        name=name,
        email=email,
        postcode=postcode,
        country=country,
        placed_at=placed_at,
    )
    order.items = [
        OrderItem(sku=sku, title=PRODUCTS[sku], quantity=1 + (i == 0 and days_ago % 2))
        for i, sku in enumerate(skus)
    ]
    db.session.add(order)
    notifications.order_placed(order)
    for carrier, tracking_number, service, journey, eta_days in shipments:
        shipment = Shipment(
            carrier=carrier,
            tracking_number=tracking_number,
            service=service,
            last_checked_at=now - timedelta(minutes=7),
        )
        if eta_days is not None:
            shipment.eta_date = (now + timedelta(days=eta_days)).date()
            shipment.eta_source = "carrier"
        order.shipments.append(shipment)
        db.session.flush()
        record_scans(shipment, _scans(journey, placed_at, now))
    return True


def seed_live_order(row: tuple, now: datetime) -> None:
    """(Re)create an order whose parcel the worker follows on the sandbox carrier from now on.

    The sandbox starts every journey when it starts, so each demo run replays them from the label.
    """
    number, name, email, postcode, country, tracking_number = row
    if existing := db.session.scalar(select(Order).where(Order.number == number)):
        db.session.delete(existing)
        db.session.flush()
    order = Order(
        number=number,
        name=name,
        email=email,
        postcode=postcode,
        country=country,
        placed_at=now - timedelta(hours=2),
    )
    order.items = [OrderItem(sku="LL-GFT-10", title=PRODUCTS["LL-GFT-10"])]
    order.shipments = [
        Shipment(
            carrier="sandbox",
            tracking_number=tracking_number,
            service="Tracked 24",
            next_check_at=now,
        )
    ]
    db.session.add(order)
    notifications.order_placed(order)


def _scans(journey: list, placed_at: datetime, now: datetime) -> list[CarrierScan]:
    """Spread a journey's steps between the order time and now, as the carrier would report them."""
    if not journey:
        return []
    step = min((now - placed_at) / (len(journey) + 1), timedelta(hours=20))
    return [_scan(entry, placed_at + step * (index + 1)) for index, entry in enumerate(journey)]


def _scan(entry: tuple, at: datetime) -> CarrierScan:
    status, text, (city, region, country, offset), *reason = entry
    return CarrierScan(
        occurred_at=at,
        status=status,
        carrier_code=status.value.upper(),
        carrier_text=text,
        exception_reason=reason[0] if reason else None,
        utc_offset_minutes=offset,
        city=city,
        region=region,
        country=country,
    )
