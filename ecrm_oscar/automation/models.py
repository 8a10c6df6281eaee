"""Concrete automation models (extend the abstract ones in a forked app to add fields)."""

from ecrm_oscar.automation.abstract_models import (
    AbstractFlow,
    AbstractFlowStep,
    AbstractGuestBasket,
    AbstractMessage,
    AbstractSurveyResponse,
)


class Flow(AbstractFlow):
    pass


class FlowStep(AbstractFlowStep):
    pass


class Message(AbstractMessage):
    pass


class SurveyResponse(AbstractSurveyResponse):
    pass


class GuestBasket(AbstractGuestBasket):
    pass
