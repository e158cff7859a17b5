import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """The moderation task of the statutory pages (issue 12, finding 6)."""

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("cms", "0003_result_pages"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [
        migrations.CreateModel(
            name="SecondApprovalTask",
            fields=[
                (
                    "task_ptr",
                    models.OneToOneField(
                        auto_created=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        parent_link=True,
                        primary_key=True,
                        serialize=False,
                        to="wagtailcore.task",
                    ),
                ),
                (
                    "groups",
                    models.ManyToManyField(
                        help_text="Pages/snippets at this step in a workflow will be moderated or approved by these groups of users",
                        to="auth.group",
                        verbose_name="groups",
                    ),
                ),
            ],
            options={
                "verbose_name": "second approval task",
                "verbose_name_plural": "second approval tasks",
            },
            bases=("wagtailcore.task",),
        ),
    ]
