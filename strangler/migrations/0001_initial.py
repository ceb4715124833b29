from django.db import migrations


class Migration(migrations.Migration):
    """The toolkit's first migration; each capability adds its own tables after it."""

    initial = True
    dependencies: list = []
    operations: list = []
