"""Text a person types: bounded, stripped, and free of control characters.

A NUL byte is refused by PostgreSQL only when the row is written (long after the 201),
and other control characters have no place in a name or a title: refused at the edge,
naming the field. A long text keeps its line breaks and tabs.
"""

from __future__ import annotations

import re
from typing import Annotated

import email_validator
from pydantic import EmailStr, StringConstraints, WithJsonSchema

# Anything but C0 controls and DEL (the pattern is also what the OpenAPI shows).
LINE = r"^[^\x00-\x1f\x7f]*$"
# The same, with tab, line feed and carriage return allowed.
LINES = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
# A typed text is stripped before its length is judged: blank (" ", a no-break space) was
# schema-valid (one character) but refused as empty. These say "at least one character that
# is not a space" in the schema too.
FILLED_LINE = r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$"
FILLED_LINES = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"

# A name, a title, a label: one line.
Line200 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=FILLED_LINE)]
Line300 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300, pattern=FILLED_LINE)]
# A note: several lines.
Text5000 = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000, pattern=FILLED_LINES)
]


# An address that can receive mail: email-validator (behind pydantic's EmailStr) refuses the
# special-use names of RFC 6761 (.local, .test, .invalid, ...), which the email format allows;
# said in the schema too, so that a client (or the fuzzer, which found it) knows.
_SPECIAL_USE = "|".join(map(re.escape, email_validator.SPECIAL_USE_DOMAIN_NAMES))  # what it refuses
MAILABLE = rf"^[^@]+@(?![^@]*\.(?:{_SPECIAL_USE})\.?$)(?!(?:{_SPECIAL_USE})\.?$)[^@]+$"
Email = Annotated[EmailStr, WithJsonSchema({"type": "string", "format": "email", "pattern": MAILABLE})]
