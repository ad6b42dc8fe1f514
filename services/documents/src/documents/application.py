"""Event store of the documents service; its use cases arrive with the documents issue."""

from ecovid_platform.application import ServiceApplication


class DocumentsApplication(ServiceApplication):
    name = "documents"
