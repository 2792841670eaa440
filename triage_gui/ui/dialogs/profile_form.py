"""The form of one connection profile: its fields, their messages, the token field, and the
row that shows a connection test's result. The profile dialog decides what to do with it.

The platform choice shapes the form: for ElevenLabs a region fills and locks the base URL
("Custom URL…" unlocks it), the workspace is not needed (the API key decides it) and the
token is the API key sent as ``xi-api-key``."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from triage_gui.providers.elevenlabs.regions import REGION_LABELS, REGIONS, region_of
from triage_gui.store.credentials import check_token
from triage_gui.store.profiles import (
    FIELD_LABELS,
    PROVIDER_LABELS,
    ConnectionProfile,
    ProfileError,
    check_base_url,
    make_profile,
)
from triage_gui.ui.dialogs import FieldError, hint_label, warning_label, with_error
from triage_gui.ui.dialogs.token_prompt import TokenField
from triage_gui.ui.widgets.icons import icon

TOKEN_LABEL = "API token"
KEY_LABEL = "API key"  # ElevenLabs' word; sent as xi-api-key
CUSTOM_REGION = "custom"
NO_WORKSPACE = "not needed (the API key decides it)"
DEFAULT_TIMEOUT_S = 10.0
INSECURE_HTTP_WARNING = (
    "Insecure: with http:// your token and the incident data travel unencrypted. Use it only on a network you trust."
)
NO_TLS_CHECK_WARNING = (
    "Insecure: certificates are not checked, so anyone between you and the platform can read your token."
)


class ProfileForm(QGroupBox):
    """``provider_changed`` carries the platform chosen (``batch_v1`` or ``elevenlabs``)."""

    provider_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.errors = {f: FieldError(label) for f, label in FIELD_LABELS.items()}
        self.token_error = FieldError(TOKEN_LABEL)
        self.name_edit = QLineEdit()
        self.name_edit.setToolTip("Changing the name renames the profile; its token moves too.")
        self.platform_combo = QComboBox()
        for provider, platform in PROVIDER_LABELS.items():
            self.platform_combo.addItem(platform, provider)
        self.platform_combo.setAccessibleName("Platform")
        self.platform_combo.setToolTip(
            "Which platform's API this profile reaches: the Batch Outbound API or ElevenLabs."
        )
        self.region_combo = QComboBox()
        for region, region_label in REGION_LABELS.items():
            self.region_combo.addItem(region_label, region)
            self.region_combo.setItemData(self.region_combo.count() - 1, REGIONS[region], Qt.ItemDataRole.ToolTipRole)
        self.region_combo.addItem("Custom URL…", CUSTOM_REGION)
        self.region_combo.setAccessibleName("Region")
        self.region_combo.setToolTip(
            "The ElevenLabs region of your workspace: it sets the base URL. Choose Custom URL… for a proxy."
        )
        self.base_url_edit = QLineEdit()
        self.base_url_edit.setPlaceholderText("https://api.example.com")
        self.base_url_edit.setToolTip("The platform's address, without /v1.")
        self.workspace_edit = QLineEdit()
        self.workspace_edit.setPlaceholderText("e.g. ws_acme")
        self.workspace_edit.setToolTip("Opened by default, and used by Test connection.")
        self.verify_tls = QCheckBox("&Verify TLS certificates")
        self.verify_tls.setToolTip("Leave this on. Turn it off only for a lab without a CA.")
        self.ca_bundle_edit = QLineEdit()
        self.ca_bundle_edit.setPlaceholderText("optional: a PEM file of extra CAs")
        self.ca_bundle_edit.setToolTip("For a company proxy that inspects TLS: its CA bundle.")
        self.browse_button = QPushButton("B&rowse…")
        self.browse_button.setAccessibleName("Choose a CA bundle file")
        self.browse_button.setToolTip("Choose the CA bundle file (PEM).")
        self.env_proxy = QCheckBox("Use the pro&xy from the environment")
        self.env_proxy.setToolTip("HTTPS_PROXY and NO_PROXY, as set for this session.")
        self.timeout = QDoubleSpinBox()
        self.timeout.setRange(0.5, 300.0)
        self.timeout.setDecimals(1)
        self.timeout.setSuffix(" s")
        self.timeout.setToolTip("How long to wait for the platform to answer one request.")
        self.allow_insecure = QCheckBox("Allow &insecure http:// to another computer")
        self.allow_insecure.setToolTip("http:// to this computer (localhost) is always allowed.")
        self.insecure_http_warning = warning_label(INSECURE_HTTP_WARNING)
        self.no_tls_check_warning = warning_label(NO_TLS_CHECK_WARNING)
        for label in (self.insecure_http_warning, self.no_tls_check_warning):
            # WORKAROUND: QFormLayout sizes a row by the label's size hint, which Qt computes
            # for a narrow guessed width (one line too many: a gap); a realistic minimum width
            # makes the hint match what is shown.
            label.setMinimumWidth(420)
        self.token_field = TokenField("S&how")
        self.token_hint = hint_label("")
        self.save_button = QPushButton("&Save")
        self.save_button.setToolTip("Save the profile (and the token, if you typed one).")
        self.test_button = QPushButton("&Test connection")
        self.test_button.setToolTip("Ask the platform for the default workspace with this token.")
        self.test_icon = QLabel()
        self.test_result = QLabel()
        self.test_result.setWordWrap(True)
        self.test_result.setAccessibleName("Connection test result")
        for widget, field in (
            (self.name_edit, "name"),
            (self.base_url_edit, "base_url"),
            (self.workspace_edit, "default_workspace"),
            (self.ca_bundle_edit, "ca_bundle"),
            (self.timeout, "timeout_s"),
        ):
            widget.setAccessibleName(FIELD_LABELS[field])
        self._lay_out()
        self.browse_button.clicked.connect(self._browse_ca_bundle)
        self.verify_tls.toggled.connect(self._update_security_warning)
        self.allow_insecure.toggled.connect(self._update_security_warning)
        self.platform_combo.currentIndexChanged.connect(self._platform_chosen)
        self.region_combo.currentIndexChanged.connect(self._region_chosen)
        self._show_platform()

    def _lay_out(self) -> None:
        ca_widget = QWidget()
        ca_row = QHBoxLayout(ca_widget)
        ca_row.setContentsMargins(0, 0, 0, 0)
        ca_row.addWidget(self.ca_bundle_edit, 1)
        ca_row.addWidget(self.browse_button)
        # A form label's mnemonic focuses its row: the proxies lead it to the line edits.
        ca_widget.setFocusProxy(self.ca_bundle_edit)
        token_box = QWidget()
        token_layout = QVBoxLayout(token_box)
        token_layout.setContentsMargins(0, 0, 0, 0)
        token_layout.setSpacing(2)
        for widget in (self.token_field, self.token_hint, self.token_error):
            token_layout.addWidget(widget)
        token_box.setFocusProxy(self.token_field)
        form = QFormLayout()
        form.addRow("Profile &name:", with_error(self.name_edit, self.errors["name"]))
        form.addRow("P&latform:", with_error(self.platform_combo, self.errors["provider"]))
        form.addRow("Re&gion:", self.region_combo)
        form.addRow("&Base URL:", with_error(self.base_url_edit, self.errors["base_url"]))
        form.addRow(
            "Default &workspace:",
            with_error(self.workspace_edit, self.errors["default_workspace"]),
        )
        form.addRow("", self.verify_tls)
        form.addRow("CA b&undle:", with_error(ca_widget, self.errors["ca_bundle"]))
        form.addRow("", self.env_proxy)
        form.addRow("Ti&meout:", with_error(self.timeout, self.errors["timeout_s"]))
        form.addRow("", with_error(self.allow_insecure, self.errors["allow_insecure_http"]))
        form.addRow("", self.insecure_http_warning)
        form.addRow("", self.no_tls_check_warning)
        self._form = form
        form.addRow("API to&ken:", token_box)
        self.token_label = form.labelForField(token_box)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.test_button)
        buttons.addStretch(1)
        result = QHBoxLayout()
        result.addWidget(self.test_icon)
        result.addWidget(self.test_result, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addLayout(result)
        layout.addStretch(1)

    # -- values ----------------------------------------------------------------------------

    def fill(self, profile: ConnectionProfile | None) -> None:
        """Show ``profile`` (None: a new one with the defaults); the token field is emptied."""
        self.setTitle(f"Profile '{profile.name}'" if profile else "New profile")
        self.name_edit.setText(profile.name if profile else "")
        self.platform_combo.blockSignals(True)
        self.platform_combo.setCurrentIndex(self.platform_combo.findData(profile.provider if profile else "batch_v1"))
        self.platform_combo.blockSignals(False)
        self.base_url_edit.setText(profile.base_url if profile else "")
        self._select_region(region_of(profile.base_url) if profile else None)
        self.workspace_edit.setText((profile.default_workspace or "") if profile else "")
        self.verify_tls.setChecked(profile.verify_tls if profile else True)
        self.ca_bundle_edit.setText((profile.ca_bundle or "") if profile else "")
        self.env_proxy.setChecked(profile.use_env_proxy if profile else True)
        self.timeout.setValue(profile.timeout_s if profile else DEFAULT_TIMEOUT_S)
        self.allow_insecure.setChecked(profile.allow_insecure_http if profile else False)
        self.token_field.clear()
        self.show_errors({})
        self.show_token_error(None)
        self.show_test_result(None, "")
        self._update_security_warning()
        self._show_platform()

    @property
    def provider(self) -> str:
        """The platform chosen: ``batch_v1`` or ``elevenlabs``."""
        return str(self.platform_combo.currentData())

    @property
    def is_elevenlabs(self) -> bool:
        return self.provider == "elevenlabs"

    def values(self) -> dict[str, Any]:
        return {
            "name": self.name_edit.text(),
            "provider": self.provider,
            "base_url": self.base_url_edit.text(),
            "default_workspace": "" if self.is_elevenlabs else self.workspace_edit.text(),
            "verify_tls": self.verify_tls.isChecked(),
            "ca_bundle": self.ca_bundle_edit.text(),
            "use_env_proxy": self.env_proxy.isChecked(),
            "timeout_s": self.timeout.value(),
            "allow_insecure_http": self.allow_insecure.isChecked(),
        }

    def profile(self) -> ConnectionProfile | None:
        """The profile as typed, or None with each problem shown beside its field."""
        values = self.values()
        try:
            profile = make_profile(**values)
        except ProfileError as error:
            errors = dict(error.field_errors or {"base_url": error.message})
            if "base_url" not in errors:
                # The URL policy runs only once every field is valid: check it now, so all
                # problems show at once.
                try:
                    check_base_url(values["base_url"], allow_insecure_http=values["allow_insecure_http"])
                except ProfileError as url_error:
                    errors["base_url"] = f"{FIELD_LABELS['base_url']}: {url_error.message}"
            self.show_errors(errors)
            return None
        self.show_errors({})
        return profile

    def typed_token(self) -> str | None:
        """The typed token as it will be sent, None if the field is empty; raises
        ``CredentialError`` for a token that cannot be one (spaces, line breaks...)."""
        text = self.token_field.text()
        return check_token(text) if text.strip() else None

    # -- messages --------------------------------------------------------------------------

    def show_errors(self, field_errors: dict[str, str]) -> None:
        for field, label in self.errors.items():
            label.show_error(field_errors.get(field))
        widgets = {
            "name": self.name_edit,
            "provider": self.platform_combo,
            "base_url": self.base_url_edit,
            "default_workspace": self.workspace_edit,
            "ca_bundle": self.ca_bundle_edit,
            "timeout_s": self.timeout,
            "allow_insecure_http": self.allow_insecure,
        }
        first = next((widgets[f] for f in widgets if f in field_errors), None)
        if first is not None:
            first.setFocus()

    def show_token_error(self, message: str | None, *, focus: bool = True) -> None:
        self.token_error.show_error(f"{self.token_word}: {message}" if message else None)
        if message and focus:
            self.token_field.setFocus()

    def show_test_result(self, ok: bool | None, text: str) -> None:
        """``ok`` None: no verdict (nothing tested yet, or testing): text only, no icon."""
        if ok is None:
            self.test_icon.clear()
        else:
            self.test_icon.setPixmap(icon("connection-ok" if ok else "connection-error").pixmap(QSize(20, 20)))
        self.test_icon.setVisible(ok is not None)
        self.test_result.setText(text)

    @Slot()
    def _update_security_warning(self) -> None:
        # Shown as soon as the box is ticked, whatever the URL: the permission is the risk.
        # Hiding the rows, not only the labels, leaves no empty gap in the form.
        self._form.setRowVisible(self.insecure_http_warning, self.allow_insecure.isChecked())
        self._form.setRowVisible(self.no_tls_check_warning, not self.verify_tls.isChecked())

    # -- the platform ----------------------------------------------------------------------

    @property
    def token_word(self) -> str:
        """What the secret is called on this platform: "API token", or ElevenLabs' "API key"."""
        return KEY_LABEL if self.is_elevenlabs else TOKEN_LABEL

    def tab_chain(self) -> list[QWidget]:
        """The form's fields in the order the Tab key visits them."""
        return [
            self.name_edit,
            self.platform_combo,
            self.region_combo,
            self.base_url_edit,
            self.workspace_edit,
            self.verify_tls,
            self.ca_bundle_edit,
            self.browse_button,
            self.env_proxy,
            self.timeout,
            self.allow_insecure,
            self.token_field.edit,
            self.token_field.reveal,
            self.save_button,
            self.test_button,
        ]

    @Slot(int)
    def _platform_chosen(self, _index: int) -> None:
        # A new platform: its own address. ElevenLabs starts on its default region (or the
        # region the URL already is); back on the Batch API, an ElevenLabs URL is cleared.
        url = self.base_url_edit.text().strip()
        if self.is_elevenlabs:
            self._select_region(region_of(url) or "default")
        elif region_of(url):
            self.base_url_edit.clear()
        self._show_platform()
        self.provider_changed.emit(self.provider)

    def _select_region(self, region: str | None) -> None:
        """Show ``region`` (None: a custom URL) without firing the region's own handling twice."""
        self.region_combo.blockSignals(True)
        self.region_combo.setCurrentIndex(self.region_combo.findData(region or CUSTOM_REGION))
        self.region_combo.blockSignals(False)
        self._region_chosen()

    @Slot()
    def _region_chosen(self) -> None:
        region = str(self.region_combo.currentData())
        custom = region == CUSTOM_REGION or not self.is_elevenlabs
        if not custom:
            self.base_url_edit.setText(REGIONS[region])
        elif self.is_elevenlabs and region_of(self.base_url_edit.text()):
            self.base_url_edit.clear()  # a region's URL is no custom URL: type the proxy's
            self.base_url_edit.setFocus()
        self.base_url_edit.setReadOnly(not custom)
        self.base_url_edit.setToolTip(
            "The platform's address, without /v1."
            if custom
            else f"{REGION_LABELS[region]} region: set by the Region choice (choose Custom URL… to type another)."
        )

    def _show_platform(self) -> None:
        elevenlabs = self.is_elevenlabs
        self._form.setRowVisible(self.region_combo, elevenlabs)
        if not elevenlabs:
            self.base_url_edit.setReadOnly(False)
            self.base_url_edit.setToolTip("The platform's address, without /v1.")
        self.base_url_edit.setPlaceholderText(
            "https://my-proxy.example.com" if elevenlabs else "https://api.example.com"
        )
        if elevenlabs:
            self.workspace_edit.clear()
        self.workspace_edit.setEnabled(not elevenlabs)
        self.workspace_edit.setPlaceholderText(NO_WORKSPACE if elevenlabs else "e.g. ws_acme")
        self.workspace_edit.setToolTip(
            "Not needed for ElevenLabs: the API key decides the workspace."
            if elevenlabs
            else "Opened by default, and used by Test connection."
        )
        self.workspace_edit.setAccessibleDescription(NO_WORKSPACE if elevenlabs else "")
        if isinstance(self.token_label, QLabel):
            self.token_label.setText("API &key (xi-api-key):" if elevenlabs else "API to&ken:")
        self.token_field.edit.setAccessibleName("API key (xi-api-key)" if elevenlabs else TOKEN_LABEL)
        self.token_field.edit.setToolTip(
            "The API key from your ElevenLabs account (Developers → API keys); sent as xi-api-key."
            if elevenlabs
            else "The API token from your platform's account settings."
        )
        self.test_button.setToolTip(
            "Read one page of the workspace's batch calls with this API key."
            if elevenlabs
            else "Ask the platform for the default workspace with this token."
        )

    @Slot()
    def _browse_ca_bundle(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            "Choose a CA bundle (PEM)",
            self.ca_bundle_edit.text(),
            "Certificates (*.pem *.crt *.cer);;All files (*)",
        )
        if path:
            self.ca_bundle_edit.setText(path)
