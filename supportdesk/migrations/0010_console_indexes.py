"""Indexes of the agent console (issue #14): the queue index widened to cover the console's order and
counts, the thread order and latest author of a ticket's messages,
and the full-text search GIN indexes, created on PostgreSQL only (SQLite searches by substring)."""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.db import migrations, models


class AddIndexOnPostgres(migrations.AddIndex):
    """An AddIndex whose index only exists on PostgreSQL; the model state has it everywhere."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):

    dependencies = [
        ('supportdesk', '0009_service_levels_and_mail'),
    ]

    operations = [
        migrations.RemoveIndex(model_name='inquiry', name='inquiry_queue_idx'),
        migrations.AddIndex(
            model_name='inquiry',
            index=models.Index(fields=['status', 'upset', 'created_at', 'response_due_at', 'first_response_at',
                                       'assigned_to', 'category', 'confirmed_category', 'escalation_reasons'],
                               name='inquiry_queue_idx'),
        ),
        migrations.AddIndex(
            model_name='ticketmessage',
            index=models.Index(fields=['inquiry', 'created_at', 'id', 'author_kind'], name='ticketmessage_thread_idx'),
        ),
        AddIndexOnPostgres(
            model_name='inquiry',
            index=django.contrib.postgres.indexes.GinIndex(
                django.contrib.postgres.search.SearchVector('text', 'name', 'email', config='english'),
                name='inquiry_search_idx'),
        ),
        AddIndexOnPostgres(
            model_name='ticketmessage',
            index=django.contrib.postgres.indexes.GinIndex(
                django.contrib.postgres.search.SearchVector('body', config='english'),
                name='ticketmessage_search_idx'),
        ),
    ]
