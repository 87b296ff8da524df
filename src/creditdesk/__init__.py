"""creditdesk."""

from creditdesk.text_storage import python_text

python_text()
