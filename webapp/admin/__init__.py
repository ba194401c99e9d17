"""The staff's face: sign-in, the overview, search, order detail and the actions on orders, and
the staff accounts.

Every page lives under the `admin` blueprint, whose guards (signed in, never cached) cover the
blueprints nested in it.
"""

from webapp.admin import order_views, search_views, staff_views, webhook_views
from webapp.admin.views import bp

bp.register_blueprint(search_views.bp)
bp.register_blueprint(order_views.bp)
bp.register_blueprint(staff_views.bp)
bp.register_blueprint(webhook_views.bp)

__all__ = ["bp"]
