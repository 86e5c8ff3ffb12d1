"""One exception for a refused action: `message` is written for the person (family member or agent),
`code` for programs and tests. Each service names its own subclass so callers can catch narrowly."""


class Refused(Exception):
    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message = message
        self.code = code
