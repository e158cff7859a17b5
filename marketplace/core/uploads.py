"""A ceiling on every uploaded file, enforced while the request body is
read: a multipart body is parsed (to memory or a temporary file) before any
view runs, even by the CSRF check, so a view's own size check comes too late
to stop a huge upload filling the disk.  The views keep their own, smaller
limits and messages (5 MB for organization documents, for example)."""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload


class SizeLimitUploadHandler(FileUploadHandler):
    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.UPLOAD_MAX_BYTES:
            # Stop reading; the file is dropped and the view sees no file.
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handler builds the file
