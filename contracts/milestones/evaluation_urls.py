"""Routes of milestone evaluation, surveys (the workers' side) and
acceptance, joined by config/urls.py:

- ``acceptance`` (/work/milestones/): the officers' pages;
- ``milestone_evaluate`` (/evaluate/milestones/): the evaluator's sheet;
- ``surveys`` (/work/surveys/): community workers make and print links.

The residents' questionnaire is ``survey_urls`` (/survey/)."""

from django.urls import path

from contracts.milestones.views import acceptance, evaluation, surveys

officer_patterns = (
    [
        path("", acceptance.index, name="index"),
        path("<int:pk>/", acceptance.milestone, name="milestone"),
        path("<int:pk>/assign/", acceptance.assign, name="assign"),
        path("<int:pk>/decide/", acceptance.decide, name="decide"),
        path("<int:pk>/approve/", acceptance.approve_override, name="approve_override"),
        path("<int:pk>/records/<int:record_pk>/", acceptance.record, name="record"),
        path("contracts/<int:pk>/", acceptance.contract, name="contract"),
        path("comments/", acceptance.comments, name="comments"),
        path("comments/<int:pk>/", acceptance.moderate, name="moderate"),
    ],
    "acceptance",
)

evaluator_patterns = (
    [
        path("<int:pk>/", evaluation.sheet, name="sheet"),
        path("<int:pk>/declare/", evaluation.declare, name="declare"),
        path("<int:pk>/score/", evaluation.score, name="score"),
        path("<int:pk>/lock/", evaluation.lock, name="lock"),
    ],
    "milestone_evaluate",
)

worker_patterns = (
    [
        path("", surveys.index, name="index"),
        path("<int:pk>/", surveys.links, name="links"),
        path("<int:pk>/print/", surveys.links_pdf, name="pdf"),
    ],
    "surveys",
)
