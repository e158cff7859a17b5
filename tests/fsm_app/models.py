"""A model used only by the tests, to exercise the django-fsm-2 audit wiring
before the business aggregates exist."""

from django.db import models
from django_fsm import FSMField, FSMModelMixin, transition


class Gadget(FSMModelMixin, models.Model):
    state = FSMField(default="draft", protected=True)
    name = models.CharField(max_length=50, default="gadget")

    class Meta:
        app_label = "fsm_app"

    @transition(field=state, source="draft", target="submitted")
    def submit(self, *, by=None, reason=""):
        pass

    @transition(field=state, source="submitted", target="approved")
    def approve(self, *, by=None, reason=""):
        pass
