"""The session record moves here from charting: the state changes, the tables stay as they are
(renamed in 0004), so every row is kept."""

import django.core.validators
import django.db.models.deletion
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('charting', '0002_lot_use_override'),
        ('accounts', '0001_initial'),
        ('catalogue', '0002_starter_catalogue'),
        ('inventory', '0001_initial'),
        ('patients', '0002_name_words'),
        ('practitioners', '0001_initial'),
        ('treatments', '0002_default_opening_hours'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='TreatmentSession',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('performed_on', models.DateField(verbose_name='date')),
                        ('anaesthetic', models.CharField(choices=[('none', 'None'), ('topical', 'Topical (cream)'), ('injected', 'Injected local anaesthetic'), ('cold', 'Cooling')], default='none', max_length=10, verbose_name='anaesthetic')),
                        ('anaesthetic_note', models.CharField(blank=True, max_length=300, verbose_name='anaesthetic details')),
                        ('pain_score', models.PositiveSmallIntegerField(blank=True, null=True, validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(10)], verbose_name='pain score (0–10)')),
                        ('immediate_reactions', models.TextField(blank=True, validators=[django.core.validators.MaxLengthValidator(2000)], verbose_name='immediate reactions')),
                        ('notes', models.TextField(blank=True, validators=[django.core.validators.MaxLengthValidator(4000)], verbose_name='notes')),
                        ('charges', models.DecimalField(decimal_places=2, default=Decimal('0'), max_digits=10, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('60000'))], verbose_name='charges')),
                        ('currency', models.CharField(editable=False, max_length=3, verbose_name='currency')),
                        ('status', models.CharField(choices=[('draft', 'Saved, not signed'), ('signed', 'Signed')], default='draft', max_length=10, verbose_name='status')),
                        ('signed_at', models.DateTimeField(blank=True, null=True)),
                        ('idempotency_key', models.CharField(max_length=100)),
                        ('request_fingerprint', models.CharField(max_length=64)),
                        ('appointment', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='charted_session', to='treatments.appointment')),
                        ('charted_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('clinic', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.clinic')),
                        ('patient', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='treatment_sessions', to='patients.patient')),
                        ('plan', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='sessions', to='treatments.treatmentplan')),
                        ('practitioner', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='sessions', to='practitioners.practitioner')),
                        ('signed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'charting_treatmentsession',
                        'ordering': ['-performed_on', '-id'],
                    },
                ),
                migrations.CreateModel(
                    name='Injection',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('number', models.PositiveSmallIntegerField(verbose_name='point')),
                        ('view', models.CharField(choices=[('front', 'Front'), ('back', 'Back'), ('scalp', 'Scalp')], max_length=5, verbose_name='view')),
                        ('x', models.DecimalField(decimal_places=4, max_digits=5)),
                        ('y', models.DecimalField(decimal_places=4, max_digits=5)),
                        ('volume_ml', models.DecimalField(decimal_places=3, max_digits=9, verbose_name='volume (mL)')),
                        ('depth_mm', models.DecimalField(decimal_places=1, max_digits=4, validators=[django.core.validators.MinValueValidator(Decimal('0.5')), django.core.validators.MaxValueValidator(Decimal('13'))], verbose_name='depth (mm)')),
                        ('needle_gauge', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(18), django.core.validators.MaxValueValidator(34)], verbose_name='needle gauge (G)')),
                        ('needle_length_mm', models.DecimalField(decimal_places=1, max_digits=4, validators=[django.core.validators.MinValueValidator(Decimal('1')), django.core.validators.MaxValueValidator(Decimal('13'))], verbose_name='needle length (mm)')),
                        ('technique', models.CharField(choices=[('nappage', 'Nappage'), ('point_by_point', 'Point by point'), ('papule', 'Papules (micropapules)'), ('epidermal', 'Epidermal'), ('linear', 'Linear (retrograde)'), ('deep', 'Deep'), ('label', 'As the product label says')], max_length=20, verbose_name='technique')),
                        ('clinic', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.clinic')),
                        ('zone', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='catalogue.bodyzone')),
                        ('session', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='injections', to='treatments.treatmentsession')),
                    ],
                    options={
                        'db_table': 'charting_injection',
                        'ordering': ['session', 'number'],
                    },
                ),
                migrations.CreateModel(
                    name='InjectionComponent',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('volume_ml', models.DecimalField(decimal_places=3, max_digits=9, verbose_name='volume (mL)')),
                        ('clinic', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.clinic')),
                        ('injection', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='components', to='treatments.injection')),
                        ('lot', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='inventory.lot')),
                        ('movement', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='inventory.stockmovement')),
                        ('product', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='catalogue.product')),
                    ],
                    options={
                        'db_table': 'charting_injectioncomponent',
                        'ordering': ['injection', 'id'],
                        'indexes': [models.Index(fields=['lot', 'injection'], name='component_lot_injection')],
                        'constraints': [models.UniqueConstraint(fields=('injection', 'product'), name='component_product_once'), models.CheckConstraint(condition=models.Q(('volume_ml__gt', 0)), name='component_volume_positive')],
                    },
                ),
                migrations.AddIndex(
                    model_name='treatmentsession',
                    index=models.Index(fields=['clinic', 'patient', 'performed_on'], name='session_patient'),
                ),
                migrations.AddIndex(
                    model_name='treatmentsession',
                    index=models.Index(fields=['clinic', 'performed_on'], name='session_clinic_day'),
                ),
                migrations.AddConstraint(
                    model_name='treatmentsession',
                    constraint=models.UniqueConstraint(fields=('clinic', 'idempotency_key'), name='session_idempotency_key'),
                ),
                migrations.AddConstraint(
                    model_name='treatmentsession',
                    constraint=models.CheckConstraint(condition=models.Q(('pain_score__isnull', True), ('pain_score__lte', 10), _connector='OR'), name='session_pain_score_range'),
                ),
                migrations.AddConstraint(
                    model_name='treatmentsession',
                    constraint=models.CheckConstraint(condition=models.Q(('charges__gte', 0)), name='session_charges_positive'),
                ),
                migrations.AddConstraint(
                    model_name='treatmentsession',
                    constraint=models.CheckConstraint(condition=models.Q(('status', 'draft'), ('signed_at__isnull', False), _connector='OR'), name='session_signed_has_time'),
                ),
                migrations.AddConstraint(
                    model_name='injection',
                    constraint=models.UniqueConstraint(fields=('session', 'number'), name='injection_number_once'),
                ),
                migrations.AddConstraint(
                    model_name='injection',
                    constraint=models.CheckConstraint(condition=models.Q(('volume_ml__gt', 0)), name='injection_volume_positive'),
                ),
                migrations.AddConstraint(
                    model_name='injection',
                    constraint=models.CheckConstraint(condition=models.Q(('x__gte', 0), ('x__lte', 1), ('y__gte', 0), ('y__lte', 1)), name='injection_point_on_map'),
                ),
            ],
        ),
    ]
