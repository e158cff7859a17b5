"""Housekeeping for the embedded SQL broker (``sqla+sqlite://…``, the default
CELERY_BROKER_URL).

kombu's SQLAlchemy transport never deletes a message: fetching one marks its
row ``visible = False`` and acknowledging it only forgets it in memory, so
every task message ever sent stays in the file.  An invisible row is never
delivered again (a message a worker gives back is written as a new row), so
deleting invisible rows loses nothing."""

import logging

from django.conf import settings

logger = logging.getLogger(__name__)


def purge_consumed(url=None):
    """Delete the delivered messages from a SQL broker; the number deleted
    (0 for any other kind of broker)."""
    url = url or settings.CELERY_BROKER_URL
    if not str(url).startswith(("sqla+", "sqlalchemy+")):
        return 0
    from kombu import Connection

    with Connection(url) as connection:
        channel = connection.default_channel
        message = channel.message_cls
        session = channel.session
        try:
            deleted = (
                session.query(message)
                .filter(message.visible == False)  # noqa: E712 - an SQL expression, not a comparison
                .delete(synchronize_session=False)
            )
            session.commit()
        except Exception:
            session.rollback()
            raise
    if deleted:
        logger.info("Deleted %s delivered messages from the broker", deleted)
    return deleted
