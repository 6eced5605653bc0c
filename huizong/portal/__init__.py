"""The reporting portal (报送平台): units sign in, hand in their file and read the verdict; offices watch their
cycles. A thin layer over the library, as ``huizong/cli.py`` is: ``core.Portal`` is what every route calls,
``permissions.allowed`` decides who may do what, ``writer.Writer`` is the warehouse's one writer while it runs.
"""
