# IPython's configuration in the zero-install site's kernel (installed to /etc/ipython).
c = get_config()  # noqa: F821 - IPython provides it
c.InteractiveShellApp.extensions = ["smsxml_lite_kernel"]
