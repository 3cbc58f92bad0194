//! The kit's self-test: one-guarantee-off switches. Compiled only in the mutant build
//! (`toolcage-runtime-mutants`, feature `mutants`); a host's build has none of this folder.
//!
//! This file is the switch: [`Mutant`], one variant per guarantee a runtime could lose, chosen
//! at run time through `Config::mutant`, so one build serves the whole matrix
//! (`cargo xtask conformance --mutants`: every mutant must be caught by the corpus). It
//! names nothing of the runtime.
//!
//! The other files are the boundaries' seams in their mutant form: `package.rs`, `registry.rs`
//! and `call.rs` are compiled as `package::seam`, `registry::seam` and `call::seam` in place of
//! those folders' own `seam.rs` (whose items are the real behaviour, and all a host's build
//! has). Each keeps its boundary's items and signatures, asks whether its guarantee is the one
//! switched off, and runs the bug (written out here, beside the switch) or the real check.
//! So the product names the self-test nowhere but in the `#[path]` line of each seam, and a
//! reader of the call path reads the call.

/// A guarantee switched off. Each variant names the bug a real runtime could have.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mutant {
    /// The wall-clock deadline is ignored (a backstop still stops the call a second after it,
    /// so runs end).
    NoDeadline,
    /// The deadline is enforced by a watchdog that fires 300 ms late.
    WatchdogLate300ms,
    /// `deadline_ms` is ignored: every call stops after a fixed second.
    FixedOneSecondTimeout,
    /// At the deadline the call answers `timeout` but abandons the guest, which keeps running in
    /// a detached thread until it ends by itself (or, never ending, a backstop a second later).
    GuestAbandoned,
    /// Cancellation is ignored.
    CancelIgnored,
    /// Imports outside the allowlist are linked as trapping stubs instead of refused.
    DeniedImportsLinkedAsTraps,
    /// Only the first denied import is named.
    OnlyFirstDeniedImportNamed,
    /// Allowed import names are accepted whatever their type.
    ImportTypesUnchecked,
    /// `output_write` does not enforce the output cap.
    NoOutputCap,
    /// Guest ranges are checked with 32-bit wrapping arithmetic.
    NoWrapCheck,
    /// The input cap is not enforced.
    NoInputCap,
    /// The input is not validated against the tool's schema.
    NoInputSchema,
    /// The memory cap is not enforced.
    NoMemoryLimit,
    /// The table cap is not enforced.
    NoTableLimit,
    /// A `table.grow` past the table's own declared maximum fails the call with
    /// `table_limit` instead of returning -1 (the reference runtime before MEM-05 covered tables).
    TableDeclaredMaxIsLimit,
    /// One instance per plugin is reused between calls.
    InstanceReused,
    /// A trap after a successful output write is reported as success.
    TrapAfterOutputIsSuccess,
    /// Timeout and cancellation are reported with each other's code.
    TimeoutCancelSwapped,
    /// A pinned digest found in the load cache is trusted without re-reading the package.
    DigestNotReverifiedOnCacheHit,
    /// Guest diagnostics are appended to the tool result's content.
    DiagnosticsInResult,
    /// `runtime.entry` is checked through `Path::components`, which drops `.` and empty
    /// components: `sub/./plugin.wasm` passes the check and then names no listed file.
    EntryNormalised,
    /// The package reader follows symlinks (stat and open without `O_NOFOLLOW`), so a link in
    /// the package is read as the file or directory it points to, outside the package included.
    PackageLinksFollowed,
    /// Disk cache entries are trusted on their header and embedded checksum, which whoever
    /// can write the cache directory recomputes; their MAC is not checked.
    DiskCacheUnauthenticated,
    /// Input parsing and schema validation run outside the call's deadline and cancel token.
    SchemaOutsideDeadline,
    /// A validation the call stopped waiting for runs on to its end on its worker thread
    /// (the reference runtime's behaviour before its validations could be stopped).
    ValidationLeftRunning,
    /// A JSON array output is read as the result object by field order (`["hi"]`).
    OutputArrayAccepted,
    /// Every failed `output_write` replaces the recorded failure: the last one is reported.
    FirstOutputFailureIsLast,
    /// Loaded plugins are cached by plugin id: after a verified load, a plugin of the same id
    /// loaded earlier is returned, whatever module the package now holds.
    LoadCacheKeyedByPluginId,
    /// Imports are matched by name and type alone, whatever their module.
    ImportModuleUnchecked,
    /// The digest hashes files in the order of their path components, not of their bytes.
    DigestOrderByComponents,
    /// Every call's input is validated against the first declared tool's schema.
    InputSchemaOfFirstTool,
    /// The module is compiled and linked before the package digest is compared with the pin.
    CompileBeforeDigestCheck,
    /// `output_write` checks the range against memory before the length against the cap.
    OutputRangeCheckedBeforeCap,
    /// The input cap counts characters instead of bytes.
    InputCapCountsChars,
    /// A package archive's entries are located through their local headers without comparing
    /// them with the central directory (name, flags, method, CRC, sizes).
    ZipLocalHeaderTrusted,
    /// A compressed archive entry (method other than 0) is read as if stored.
    ZipCompressedAccepted,
    /// Archive entry names are compared byte for byte only: names that differ by case or Unicode
    /// normalisation both load.
    ZipFoldedNamesAccepted,
    /// Archive entries are checked to lie inside the archive, but not to follow one another:
    /// leading bytes, bytes between entries and overlapping entries pass.
    ZipGapsAllowed,
    /// Component profile: the deadline is enforced only once `call` itself runs, not while the
    /// host lowers the arguments through the guest's `realloc` (a backstop still stops it).
    ReallocOutsideDeadline,
    /// Component profile: the memory cap is checked per memory, not for all the core
    /// instances' memories together.
    MemoryCapPerInstance,
    /// Component profile: the returned string is lifted whole and handed to the output
    /// contract without the output cap, which the core profile enforces in `output_write`.
    StringLiftedBeforeCap,
    /// Component profile: WASI imports are linked (as trapping stubs) instead of refused.
    WasiLinked,
    /// Archive spans are compared as inclusive ranges with an off-by-one: two entries that share
    /// exactly one byte pass the tiling check.
    ZipOverlapOffByOne,
    /// The disk cache's directory, and every directory above it, is refused only when every user
    /// can write it: a group-writable one, one under a group-writable parent, or one another
    /// user owns is used.
    CacheDirWorldWritableOnly,
    /// An input schema without `$schema` is read as draft 7, as validators of that era default.
    SchemaDefaultDraft7,
    /// Every input schema is read as draft 2020-12, whatever its `$schema` names (the draft fixed
    /// in the validator's options, which override detection).
    SchemaDraftIgnored,
    /// A `$schema` naming no known draft is read as the default draft instead of refused.
    SchemaUnknownDraftAsDefault,
    /// Host fs: the path is checked as a string (no `..`, not absolute), then opened following
    /// symlinks, as the originating host does: a link inside the root leads outside it.
    FsLinksFollowed,
    /// Host fs: a file with several links is read and written (a hard link to a file outside
    /// the root is just a file).
    FsHardLinksAllowed,
    /// Host fs: a list keeps the first 256 entries the directory yields, then sorts them.
    FsListCutBeforeSort,
    /// Host grants: a grant for the package's id applies whatever its version and digest.
    GrantNotBoundToDigest,
    /// A network target's port is not compared: a target allows every port of its host (the
    /// originating host's matching when a target names no port).
    NetPortIgnored,
    /// Path prefixes are plain string prefixes of the path: `/v1` also allows `/v10` and
    /// `/v1admin` (the originating host's matching).
    NetPathStringPrefix,
    /// No address policy: a granted name may resolve to any address, loopback and private
    /// ones included (the originating host's behaviour).
    NetAddressPolicyOff,
    /// The connection resolves the name again after the check and dials that answer (the
    /// originating host's WebSocket dial).
    NetResolvedAgain,
    /// The guest's headers are sent unchecked (`Host`, `Content-Length`, `Transfer-Encoding`,
    /// credentials), as the originating host passes them on.
    NetGuestHeadersPassed,
    /// Host calls run outside the call's budget, as the originating host runs them: an fs call
    /// on the call's own thread to its end, a request to its own 5 s timeout, a `recv` to its
    /// own, whatever the deadline or a cancel say; the deadline is seen again only at the
    /// guest's next function entry or loop header.
    HostCallsOutsideBudget,
    /// Redirects are followed.
    NetRedirectsFollowed,
    /// The whole response body is read and returned, however large.
    NetResponseUnbounded,
    /// Host fs: once the interface is granted every operation is done; the grant's operations
    /// are not compared with the one asked (a write with only read granted).
    FsOperationsUnchecked,
    /// Host grants: a granted instance is allowed by its name and its functions' names; their
    /// types are not compared with the interface's.
    GrantedImportTypesUnchecked,
    /// Host grants: a granted instance is allowed by its name alone; its functions are neither
    /// named nor typed against the interface's.
    GrantedInstanceCheckedByName,
    /// Host grants: an interface is given when the manifest asks for it OR a grant gives it,
    /// instead of both.
    GrantOrManifestSuffices,
    /// Host grants: the three `yoi:host` interfaces are allowed to every component, asked and
    /// granted or not (their functions still checked by name).
    HostApisByDefault,
}

impl Mutant {
    /// Every mutant, in a stable order.
    pub const ALL: &'static [Mutant] = &[
        Mutant::NoDeadline,
        Mutant::WatchdogLate300ms,
        Mutant::FixedOneSecondTimeout,
        Mutant::GuestAbandoned,
        Mutant::CancelIgnored,
        Mutant::DeniedImportsLinkedAsTraps,
        Mutant::OnlyFirstDeniedImportNamed,
        Mutant::ImportTypesUnchecked,
        Mutant::NoOutputCap,
        Mutant::NoWrapCheck,
        Mutant::NoInputCap,
        Mutant::NoInputSchema,
        Mutant::NoMemoryLimit,
        Mutant::NoTableLimit,
        Mutant::TableDeclaredMaxIsLimit,
        Mutant::InstanceReused,
        Mutant::TrapAfterOutputIsSuccess,
        Mutant::TimeoutCancelSwapped,
        Mutant::DigestNotReverifiedOnCacheHit,
        Mutant::DiagnosticsInResult,
        Mutant::EntryNormalised,
        Mutant::PackageLinksFollowed,
        Mutant::DiskCacheUnauthenticated,
        Mutant::SchemaOutsideDeadline,
        Mutant::ValidationLeftRunning,
        Mutant::OutputArrayAccepted,
        Mutant::FirstOutputFailureIsLast,
        Mutant::LoadCacheKeyedByPluginId,
        Mutant::ImportModuleUnchecked,
        Mutant::DigestOrderByComponents,
        Mutant::InputSchemaOfFirstTool,
        Mutant::CompileBeforeDigestCheck,
        Mutant::OutputRangeCheckedBeforeCap,
        Mutant::InputCapCountsChars,
        Mutant::ZipLocalHeaderTrusted,
        Mutant::ZipCompressedAccepted,
        Mutant::ZipFoldedNamesAccepted,
        Mutant::ZipGapsAllowed,
        Mutant::ReallocOutsideDeadline,
        Mutant::MemoryCapPerInstance,
        Mutant::StringLiftedBeforeCap,
        Mutant::WasiLinked,
        Mutant::SchemaDefaultDraft7,
        Mutant::SchemaDraftIgnored,
        Mutant::SchemaUnknownDraftAsDefault,
        Mutant::ZipOverlapOffByOne,
        Mutant::CacheDirWorldWritableOnly,
        Mutant::FsLinksFollowed,
        Mutant::FsHardLinksAllowed,
        Mutant::FsListCutBeforeSort,
        Mutant::GrantNotBoundToDigest,
        Mutant::NetPortIgnored,
        Mutant::NetPathStringPrefix,
        Mutant::NetAddressPolicyOff,
        Mutant::NetResolvedAgain,
        Mutant::NetGuestHeadersPassed,
        Mutant::HostCallsOutsideBudget,
        Mutant::NetRedirectsFollowed,
        Mutant::NetResponseUnbounded,
        Mutant::FsOperationsUnchecked,
        Mutant::GrantedImportTypesUnchecked,
        Mutant::GrantedInstanceCheckedByName,
        Mutant::GrantOrManifestSuffices,
        Mutant::HostApisByDefault,
    ];

    /// A stable kebab-case name for reports and the command line.
    pub fn name(self) -> &'static str {
        match self {
            Mutant::NoDeadline => "no-deadline",
            Mutant::WatchdogLate300ms => "watchdog-300ms",
            Mutant::FixedOneSecondTimeout => "fixed-1s-timeout",
            Mutant::GuestAbandoned => "guest-abandoned",
            Mutant::CancelIgnored => "cancel-ignored",
            Mutant::DeniedImportsLinkedAsTraps => "denied-imports-linked-as-traps",
            Mutant::OnlyFirstDeniedImportNamed => "only-first-denied-import-named",
            Mutant::ImportTypesUnchecked => "import-types-unchecked",
            Mutant::NoOutputCap => "no-output-cap",
            Mutant::NoWrapCheck => "no-wrap-check",
            Mutant::NoInputCap => "no-input-cap",
            Mutant::NoInputSchema => "no-input-schema",
            Mutant::NoMemoryLimit => "no-memory-limit",
            Mutant::NoTableLimit => "no-table-limit",
            Mutant::TableDeclaredMaxIsLimit => "table-declared-max-is-limit",
            Mutant::InstanceReused => "instance-reused",
            Mutant::TrapAfterOutputIsSuccess => "trap-after-output-is-success",
            Mutant::TimeoutCancelSwapped => "timeout-cancel-swapped",
            Mutant::DigestNotReverifiedOnCacheHit => "digest-not-reverified-on-cache-hit",
            Mutant::DiagnosticsInResult => "diagnostics-in-result",
            Mutant::EntryNormalised => "entry-normalised",
            Mutant::PackageLinksFollowed => "package-links-followed",
            Mutant::DiskCacheUnauthenticated => "disk-cache-unauthenticated",
            Mutant::SchemaOutsideDeadline => "schema-outside-deadline",
            Mutant::ValidationLeftRunning => "validation-left-running",
            Mutant::OutputArrayAccepted => "output-array-accepted",
            Mutant::FirstOutputFailureIsLast => "first-output-failure-is-last",
            Mutant::LoadCacheKeyedByPluginId => "load-cache-keyed-by-plugin-id",
            Mutant::ImportModuleUnchecked => "import-module-unchecked",
            Mutant::DigestOrderByComponents => "digest-order-by-components",
            Mutant::InputSchemaOfFirstTool => "input-schema-of-first-tool",
            Mutant::CompileBeforeDigestCheck => "compile-before-digest-check",
            Mutant::OutputRangeCheckedBeforeCap => "output-range-checked-before-cap",
            Mutant::InputCapCountsChars => "input-cap-counts-chars",
            Mutant::ZipLocalHeaderTrusted => "zip-local-header-trusted",
            Mutant::ZipCompressedAccepted => "zip-compressed-accepted",
            Mutant::ZipFoldedNamesAccepted => "zip-folded-names-accepted",
            Mutant::ZipGapsAllowed => "zip-gaps-allowed",
            Mutant::ReallocOutsideDeadline => "realloc-outside-deadline",
            Mutant::MemoryCapPerInstance => "memory-cap-per-instance",
            Mutant::StringLiftedBeforeCap => "string-lifted-before-cap",
            Mutant::WasiLinked => "wasi-linked",
            Mutant::SchemaDefaultDraft7 => "schema-default-draft-7",
            Mutant::SchemaDraftIgnored => "schema-draft-ignored",
            Mutant::SchemaUnknownDraftAsDefault => "schema-unknown-draft-as-default",
            Mutant::ZipOverlapOffByOne => "zip-overlap-off-by-one",
            Mutant::CacheDirWorldWritableOnly => "cache-dir-world-writable-only",
            Mutant::FsLinksFollowed => "fs-links-followed",
            Mutant::FsHardLinksAllowed => "fs-hard-links-allowed",
            Mutant::FsListCutBeforeSort => "fs-list-cut-before-sort",
            Mutant::GrantNotBoundToDigest => "grant-not-bound-to-digest",
            Mutant::NetPortIgnored => "net-port-ignored",
            Mutant::NetPathStringPrefix => "net-path-string-prefix",
            Mutant::NetAddressPolicyOff => "net-address-policy-off",
            Mutant::NetResolvedAgain => "net-resolved-again",
            Mutant::NetGuestHeadersPassed => "net-guest-headers-passed",
            Mutant::HostCallsOutsideBudget => "host-calls-outside-budget",
            Mutant::NetRedirectsFollowed => "net-redirects-followed",
            Mutant::NetResponseUnbounded => "net-response-unbounded",
            Mutant::FsOperationsUnchecked => "fs-operations-unchecked",
            Mutant::GrantedImportTypesUnchecked => "granted-import-types-unchecked",
            Mutant::GrantedInstanceCheckedByName => "granted-instance-checked-by-name",
            Mutant::GrantOrManifestSuffices => "grant-or-manifest-suffices",
            Mutant::HostApisByDefault => "host-apis-by-default",
        }
    }
}

/// How long a guest the guest-abandoned mutant leaves behind may run past its deadline, and how
/// late the no-deadline mutant's backstop stops a call: long past any time bound of the kit, and
/// short enough that a kit run over mutants ends.
pub(crate) const BACKSTOP: std::time::Duration = std::time::Duration::from_secs(1);

/// How late the watchdog-300ms mutant fires.
pub(crate) const LATE_WATCHDOG: std::time::Duration = std::time::Duration::from_millis(300);

/// The deadline the fixed-1s-timeout mutant uses whatever the request says.
pub(crate) const FIXED_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(1);
