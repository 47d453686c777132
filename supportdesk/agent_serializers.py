"""The agent API's internal notes and saved replies."""

from rest_framework import serializers

from supportdesk.forms import MAX_TEXT
from supportdesk.serializers import StrictCharField

TITLE_MAX = 120


class NoteSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    author = serializers.CharField(source="author.username", allow_null=True, default=None, read_only=True,
                                   help_text="The agent who wrote it (null if the account is gone).")
    body = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class NoteInputSerializer(serializers.Serializer):
    body = StrictCharField(min_length=1, max_length=MAX_TEXT,
                           help_text="Only staff ever see it: not mailed, not a reply, no status change.")


class SavedReplySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)
    body = serializers.CharField(read_only=True)
    created_by = serializers.CharField(source="created_by.username", allow_null=True, default=None, read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)


class SavedReplyInputSerializer(serializers.Serializer):
    title = StrictCharField(min_length=1, max_length=TITLE_MAX)
    body = StrictCharField(min_length=1, max_length=MAX_TEXT)
