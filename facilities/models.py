from django.db import models
from django.db.models.functions import Upper


class Facility(models.Model):
    name = models.CharField(max_length=120, unique=True)  # scenario files refer to facilities by name
    state = models.CharField(max_length=2, blank=True)

    class Meta:
        verbose_name_plural = "facilities"
        ordering = ["name"]

    def __str__(self):
        return self.name


class IncarceratedPerson(models.Model):
    name = models.CharField(max_length=150)
    inmate_number = models.CharField(max_length=32, blank=True)
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="people")

    class Meta:
        verbose_name_plural = "incarcerated people"
        constraints = [
            models.UniqueConstraint(fields=["facility", "name"], name="person_unique_in_facility"),
        ]
        indexes = [
            # Agents search by the incarcerated person's name (admin icontains compiles to UPPER).
            models.Index(Upper("name"), name="person_name_upper_idx"),
        ]

    def __str__(self):
        return f"{self.name} ({self.facility})"


def person_at(facility_name: str, person_name: str) -> tuple[Facility, IncarceratedPerson]:
    """The facility and the person there, by name, created when new (scenario files name both)."""
    facility, _ = Facility.objects.get_or_create(name=facility_name)
    person, _ = IncarceratedPerson.objects.get_or_create(facility=facility, name=person_name)
    return facility, person
