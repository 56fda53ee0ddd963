"""smsxml inside other web frameworks: :mod:`.flask` (a decorator for Flask views). Each
module imports its framework, so import only the one you use."""
