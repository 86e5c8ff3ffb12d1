"""Forms for sign-in, sign-up, My Settings and Delete Account. They validate; services do the writing."""

from django import forms
from django.contrib.auth import authenticate, password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm

from .addresses import US_STATES, AddressInvalid, CleanAddress, normalize_address
from .models import RetiredEmail, User, canonical_email

RETIRED_EMAIL_MESSAGE = (
    "This email address belonged to a Securus Online account that was deleted, so it cannot open a new "
    "account. Please sign up with a different email address."
)


class SignInForm(AuthenticationForm):
    """Email and password; the email matches in any letter case (UserManager.get_by_natural_key)."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That email and password do not match an account. Check both and try again.",
        "deleted": (
            "The account for this email address was deleted, so it can no longer be signed in to. "
            "If a refund is on its way, the email we sent when the account was deleted has a link "
            "to follow it."
        ),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = "Email address"
        self.fields["username"].widget.attrs.update({"autocomplete": "email", "inputmode": "email"})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})

    def get_invalid_login_error(self):
        if RetiredEmail.is_retired(self.cleaned_data.get("username") or ""):
            return forms.ValidationError(self.error_messages["deleted"], code="deleted")
        return super().get_invalid_login_error()


class CanonicalEmailField(forms.EmailField):
    """An email in its canonical form before it is validated, so look-alike spellings (full-width
    letters, "ß") are judged, compared and stored as the address they stand for."""

    def to_python(self, value):
        return canonical_email(super().to_python(value))


class ResetPasswordForm(PasswordResetForm):
    """Django's reset form looks accounts up with a case-insensitive match (UPPER in PostgreSQL), which
    misses spellings that canonical_email folds (full-width letters, "ß" for "ss"): look the canonical
    email up exactly, as sign-in does, so reset reaches every account sign-in would."""

    email = CanonicalEmailField(
        label="Email address", max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )

    def get_users(self, email):
        users = User._default_manager.filter(email=canonical_email(email), is_active=True)
        return (user for user in users if user.has_usable_password())


class SignUpForm(forms.Form):
    email = CanonicalEmailField(
        label="Email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text="You will sign in with this address.",
    )
    name = forms.CharField(
        label="Full name", max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    password1 = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 8 characters. Avoid common words and all-number passwords.",
    )
    password2 = forms.CharField(
        label="Password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="Type the same password, to make sure there is no typo.",
    )

    def clean_email(self):
        email = canonical_email(self.cleaned_data["email"])
        if email.startswith('"'):
            # Quoted local parts ("ana smith"@example.com) are valid mail syntax that few systems handle
            # alike; refusing them keeps one spelling per mailbox.
            raise forms.ValidationError("Please use an email address without quotation marks.", code="quoted")
        if RetiredEmail.is_retired(email):
            raise forms.ValidationError(RETIRED_EMAIL_MESSAGE, code="retired")
        if User.objects.filter(email=email).exists():
            raise forms.ValidationError(
                "An account with this email address already exists. Sign in, or reset your password "
                "if you have forgotten it.",
                code="taken",
            )
        return email

    def clean(self):
        data = super().clean()
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", "The two passwords are different. Type the same password twice.")
        elif p1:
            user = User(email=data.get("email", ""), name=data.get("name", ""))
            try:
                password_validation.validate_password(p1, user)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data


class AddressForm(forms.Form):
    """My Settings: the mailing address refund checks go to, normalised to USPS style on save."""

    line1 = forms.CharField(
        label="Street address",
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "address-line1"}),
        help_text="House number and street, or PO Box.",
    )
    line2 = forms.CharField(
        label="Apartment, suite or unit (optional)",
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-line2"}),
    )
    city = forms.CharField(
        label="City", max_length=60, widget=forms.TextInput(attrs={"autocomplete": "address-level2"})
    )
    state = forms.ChoiceField(
        label="State",
        choices=[("", "Choose a state")] + [(code, name) for code, name in US_STATES.items()],
        widget=forms.Select(attrs={"autocomplete": "address-level1"}),
    )
    zip_code = forms.CharField(
        label="ZIP code",
        max_length=10,
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
        help_text="5 digits, or ZIP+4 like 75201-1234.",
    )
    confirm = forms.BooleanField(
        label="This is my correct mailing address. Refund checks can be mailed here.",
        required=False,
    )

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            self.clean_address: CleanAddress = normalize_address(
                line1=data["line1"],
                line2=data.get("line2", ""),
                city=data["city"],
                state=data["state"],
                zip_code=data["zip_code"],
            )
        except AddressInvalid as exc:
            for name, message in exc.errors.items():
                self.add_error(name, message)
        return data


class VerifyAddressForm(forms.Form):
    """Delete Account step 1: confirm the address shown is where a refund check should go."""

    confirm = forms.BooleanField(
        label="This is my correct mailing address.",
        error_messages={"required": "Tick this box to confirm the address, or change it in My Settings."},
    )
    shown = forms.CharField(widget=forms.HiddenInput)


class DeleteConfirmForm(forms.Form):
    """Delete Account step 2: the password again and an explicit 'I understand'."""

    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "Enter your password to confirm it is you."},
    )
    understand = forms.BooleanField(
        label=(
            "I understand that deleting my account cannot be undone, and that this email address can "
            "never be used for a new Securus Online account."
        ),
        error_messages={"required": "Tick this box to show you understand what will happen."},
    )
    fingerprint = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, user, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.request = request

    def clean_password(self):
        password = self.cleaned_data["password"]
        # Through authenticate(), so a wrong password here counts toward the sign-in lockout (and a
        # locked-out email cannot guess here instead); the lockout middleware answers a locked request.
        authenticated = authenticate(self.request, username=self.user.email, password=password)
        if authenticated is None or authenticated.pk != self.user.pk:
            raise forms.ValidationError("That password is not correct.", code="wrong_password")
        return password

    def clean(self):
        data = super().clean()
        if not data.get("fingerprint"):
            raise forms.ValidationError(
                "This page is out of date. Please review the summary again before deleting.", code="stale"
            )
        return data
