"""The one exception tools raise for expected failures."""


class ToolError(Exception):
    """A failure the model caused and can fix; its message is shown to the model as is."""
