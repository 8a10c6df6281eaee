from oscar.core.loading import is_model_registered

from ecrm_oscar.support.abstract_models import AbstractCaseMessage, AbstractSupportCase

__all__ = []

if not is_model_registered("ecrm_support", "SupportCase"):

    class SupportCase(AbstractSupportCase):
        class Meta(AbstractSupportCase.Meta):
            abstract = False
            db_table = "ecrm_support_case"

    __all__.append("SupportCase")

if not is_model_registered("ecrm_support", "CaseMessage"):

    class CaseMessage(AbstractCaseMessage):
        class Meta(AbstractCaseMessage.Meta):
            abstract = False
            db_table = "ecrm_support_message"

    __all__.append("CaseMessage")
