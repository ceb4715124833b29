from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('strangler', '0002_routing'),
    ]

    operations = [
        migrations.CreateModel(
            name='RouteMinute',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('use_case', models.CharField(max_length=200)),
                ('controller', models.CharField(max_length=200)),
                ('minute', models.DateTimeField()),
                ('local_calls', models.PositiveBigIntegerField(default=0)),
                ('local_errors', models.PositiveBigIntegerField(default=0)),
                ('local_latency', models.JSONField(default=list)),
                ('remote_calls', models.PositiveBigIntegerField(default=0)),
                ('remote_errors', models.PositiveBigIntegerField(default=0)),
                ('remote_latency', models.JSONField(default=list)),
                ('compared', models.PositiveBigIntegerField(default=0)),
                ('mismatches', models.PositiveBigIntegerField(default=0)),
                ('dropped', models.PositiveBigIntegerField(default=0)),
            ],
            options={
                'indexes': [models.Index(fields=['minute'], name='route_minute_time')],
                'constraints': [models.UniqueConstraint(fields=('use_case', 'controller', 'minute'), name='route_minute_once')],
            },
        ),
        migrations.CreateModel(
            name='ShadowMismatch',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('use_case', models.CharField(max_length=200)),
                ('controller', models.CharField(max_length=200)),
                ('operation', models.CharField(help_text="the use case's operation called", max_length=200)),
                ('fingerprint', models.CharField(max_length=64)),
                ('diff', models.TextField(help_text="the first occurrence's field-by-field diff")),
                ('request_keys', models.JSONField(default=dict, help_text="the first occurrence's request")),
                ('last_request_keys', models.JSONField(default=dict)),
                ('count', models.PositiveBigIntegerField(default=1)),
                ('first_seen', models.DateTimeField()),
                ('last_seen', models.DateTimeField(db_index=True)),
                ('explained', models.BooleanField(default=False)),
                ('note', models.TextField(blank=True, default='')),
            ],
            options={
                'ordering': ['use_case', 'controller', '-last_seen'],
                'constraints': [models.UniqueConstraint(fields=('use_case', 'controller', 'operation', 'fingerprint'), name='shadow_mismatch_once')],
            },
        ),
    ]
