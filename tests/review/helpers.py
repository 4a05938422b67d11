"""Build exact fixtures for the review figures: visits at given times, residents, patrol findings."""
from datetime import datetime, timedelta
import uuid

from sqlalchemy import select


def utc_of_local(day, hour, minute=0, second=0):
    """Asia/Shanghai is UTC+8 all year."""
    return datetime.combine(day, datetime.min.time()) + timedelta(hours=hour - 8, minutes=minute, seconds=second)


def add_visit(household_id, user_id, outcome, at, campaign_id=None, channel="door"):
    from webapp.extensions import db
    from webapp.models import Visit

    visit = Visit(request_id=uuid.uuid4().hex, household_id=household_id, user_id=user_id, outcome=outcome,
                  channel=channel, visited_at=at, campaign_id=campaign_id)
    db.session.add(visit)
    db.session.flush()
    return visit


def user_id(username):
    from webapp.extensions import db
    from webapp.models import User

    return db.session.scalar(select(User.id).where(User.username == username))


def households_of_building(building_id):
    from webapp.extensions import db
    from webapp.models import Household

    return db.session.scalars(select(Household).where(Household.building_id == building_id)
                              .order_by(Household.entrance, Household.floor.desc(), Household.room)).all()
