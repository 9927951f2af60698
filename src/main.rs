//! `weir`: the command line over `weir-core` and `weir-capture`.
//!
//! `main -> run(parse()) -> ExitCode`. Exit codes: 0 clean run (also a live
//! capture ended by SIGINT/SIGTERM); 1 could not run (bad input file, an
//! interface that cannot be opened, plugin refused at load); 2 usage error
//! (clap's own code, also for a malformed `--plugin` CONFIG or a bad
//! `--filter` expression); 3 completed with warnings (a truncated input, a
//! plugin disabled after a panic).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, Subcommand};
use weir_capture::filter::{FilteredSource, PacketFilter};
use weir_capture::{FileSource, LiveConfig, LiveSource};
use weir_core::counters::{Cidr, GroupOptions, HomeNets};
use weir_core::engine::reassembly::Limits;
use weir_core::engine::{Engine, EngineConfig, RunSummary};
use weir_core::plugin::PluginSpec;

#[derive(Parser, Debug)]
#[command(
    name = "weir",
    version = version(),
    about = "Network traffic analytics engine extended by native plugins"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Read capture files (or capture from interfaces), track flows, run
    /// plugins, write NDJSON outputs.
    Run(Box<RunArgs>),
    /// Inspect plugin libraries.
    #[command(subcommand)]
    Plugin(PluginCommand),
}

#[derive(Subcommand, Debug)]
enum PluginCommand {
    /// Describe a plugin library without processing any packet.
    ///
    /// The library is checked exactly as `weir run --plugin` checks it (file,
    /// API version, layout); its header gives name, version, description,
    /// the plugin API it was built against and requires, and its monitor
    /// kinds, without running plugin code. Then its constructor runs once,
    /// with an empty configuration and a temporary output directory that is
    /// removed afterwards, to show what each monitor subscribes to; the
    /// instance is then dropped. Exit code 1 when weir would refuse the
    /// plugin (the reason is printed).
    Info(PluginInfoArgs),
}

#[derive(clap::Args, Debug)]
struct PluginInfoArgs {
    /// The plugin library (`.so`).
    #[arg(value_name = "PATH")]
    path: PathBuf,

    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args, Debug)]
struct RunArgs {
    /// Capture file (pcap or pcapng, plain or gzip/zstd-compressed, by magic
    /// number); `-` reads standard input, and FIFOs work too. Repeat to read
    /// several captures as one stream, in the order given.
    #[arg(
        long = "pcap",
        value_name = "FILE",
        required_unless_present = "interfaces"
    )]
    pcaps: Vec<PathBuf>,

    /// Capture live from a network interface (Linux, root or CAP_NET_RAW);
    /// repeat for several. Stream time is wall time; the run ends on SIGINT
    /// or SIGTERM. Cannot be mixed with --pcap.
    #[arg(long = "interface", value_name = "IF", conflicts_with = "pcaps")]
    interfaces: Vec<String>,

    /// Do not put the interfaces in promiscuous mode.
    #[arg(long, requires = "interfaces")]
    no_promisc: bool,

    /// Output directory (created if missing): flows.ndjson, counters.ndjson,
    /// toppers.ndjson, alerts.ndjson, summary.json (and capture.ndjson when
    /// capturing from interfaces).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,

    /// Plugin library with optional config after the first colon: `@FILE`
    /// (TOML) or `key=value,key=value`. Repeat for more instances.
    #[arg(long = "plugin", value_name = "PATH[:CONFIG]", value_parser = parse_plugin)]
    plugins: Vec<PluginSpec>,

    /// Interval length in seconds; flushes happen at multiples of it.
    #[arg(long, value_name = "SECS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
    interval: u64,

    /// Idle timeout of a flow, seconds of stream time.
    #[arg(long, value_name = "SECS", default_value_t = 120, value_parser = clap::value_parser!(u64).range(1..))]
    idle_timeout: u64,

    /// Interim record period of a long-lived flow, seconds.
    #[arg(long, value_name = "SECS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..))]
    active_timeout: u64,

    /// Packet worker threads (flows are sharded over them).
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=64))]
    workers: u64,

    /// Flow table capacity per worker; least recently active flows are evicted beyond it.
    #[arg(long, value_name = "N", default_value_t = 1_000_000, value_parser = clap::value_parser!(u64).range(1..))]
    max_flows: u64,

    /// Default queue depth of each plugin instance, in events (`weir.queue=N` in a plugin's config overrides it).
    #[arg(long, value_name = "N", default_value_t = 1024, value_parser = clap::value_parser!(u64).range(1..))]
    queue_depth: u64,

    /// A plugin callback that runs longer than this is abandoned and its
    /// instance disabled (0: wait forever).
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    callback_timeout: u64,

    /// Home network (CIDR, or one address); repeat for more. Replaces the
    /// default: 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 169.254.0.0/16,
    /// fc00::/7, fe80::/10.
    #[arg(long = "home-net", value_name = "CIDR", value_parser = parse_cidr)]
    home_nets: Vec<Cidr>,

    /// Most keys a counter group keeps per interval; updates of further
    /// keys are dropped (counted in the summary, still in SYS:GROUP_TOTALS).
    #[arg(long, value_name = "N", default_value_t = 250_000, value_parser = clap::value_parser!(u64).range(1..))]
    max_keys: u64,

    /// Options of one counter group, by name or GUID:
    /// `GROUP:top=N,topper-bucket=SECS,max-keys=N`. Repeatable.
    #[arg(long = "counter-group", value_name = "GROUP:OPTIONS", value_parser = GroupOptions::parse)]
    counter_groups: Vec<GroupOptions>,

    /// Do not reassemble fragmented IP datagrams (fragments then count as
    /// they come: the first in its 5-tuple flow, later ones in the
    /// port-less flow of the IP pair).
    #[arg(long)]
    no_reassembly: bool,

    /// Seconds of stream time a fragmented datagram waits for its missing
    /// fragments.
    #[arg(long, value_name = "SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    reassembly_timeout: u64,

    /// Fragment data held for reassembly, all datagrams together, MiB.
    #[arg(long, value_name = "MIB", default_value_t = 64, value_parser = clap::value_parser!(u64).range(1..=65536))]
    reassembly_memory: u64,

    /// Frames one fragmented datagram may take (duplicates included).
    #[arg(long, value_name = "N", default_value_t = 64, value_parser = clap::value_parser!(u64).range(2..=8192))]
    reassembly_max_fragments: u64,

    /// Do not parse HTTP (no URL or file-hash resources, no header
    /// documents); other protocols are still found by content.
    #[arg(long)]
    no_http: bool,

    /// Do not parse TLS (no TLS or SSL Certificates resources, no
    /// certificate-chain documents).
    #[arg(long)]
    no_tls: bool,

    /// Do not parse DNS (no DNS resources or documents), over UDP or TCP.
    #[arg(long)]
    no_dns: bool,

    /// No application layer at all: TCP is not reassembled, no payload
    /// leaves the reader, no resource or document comes from the traffic
    /// (flows and counters only).
    #[arg(long)]
    no_metadata: bool,

    /// Do not hash HTTP bodies (no File Hashes resources). Hashing (MD5
    /// and SHA-256 of each body, de-chunked and content-decoded) is on by
    /// default.
    #[arg(long)]
    no_file_hashes: bool,

    /// Bytes of each TCP direction reassembled and parsed, MiB (0: the
    /// whole stream, the default, so that every body is hashed whole).
    #[arg(long, value_name = "MIB", default_value_t = 0)]
    stream_depth: u64,

    /// Write every complete HTTP body (decoded, as hashed) into DIR, named
    /// by its SHA-256 (created if missing). Off by default.
    #[arg(long, value_name = "DIR")]
    extract_files: Option<PathBuf>,

    /// Largest body `--extract-files` writes, bytes (default 64 MiB);
    /// larger ones are skipped and counted.
    #[arg(long, value_name = "BYTES", default_value_t = 64 << 20, value_parser = clap::value_parser!(u64).range(1..))]
    extract_max_bytes: u64,

    /// Out-of-order TCP data held for reassembly, all flows together, MiB.
    #[arg(long, value_name = "MIB", default_value_t = 256, value_parser = clap::value_parser!(u64).range(1..=65536))]
    stream_memory: u64,

    /// Capture filter in tcpdump's syntax (libpcap's compiler, e.g.
    /// `'tcp port 80'`): frames it rejects are skipped before the engine
    /// and counted (`filtered_out` in summary.json). A bad expression is a
    /// usage error.
    #[arg(long, value_name = "EXPR", value_parser = parse_filter)]
    filter: Option<String>,

    /// Do not print the summary.
    #[arg(long, short)]
    quiet: bool,
}

/// Compiles the expression once (for Ethernet) so that a bad one is a usage
/// error naming it, before anything is opened.
fn parse_filter(arg: &str) -> Result<String, String> {
    PacketFilter::new(arg)
        .map(|_| arg.to_string())
        .map_err(|e| e.reason)
}

fn parse_cidr(arg: &str) -> Result<Cidr, String> {
    Cidr::parse(arg)
}

/// `0.1.0 (plugin API 1.2)`: plugins built against 1.0 .. 1.2 of that major run here.
fn version() -> &'static str {
    format!(
        "{} (plugin API {})",
        env!("CARGO_PKG_VERSION"),
        weir_plugin_api::API_VERSION
    )
    .leak()
}

fn parse_plugin(arg: &str) -> Result<PluginSpec, String> {
    PluginSpec::parse(arg).map_err(|e| e.reason)
}

/// Exit status when a second SIGINT or SIGTERM arrives before the first
/// one's clean stop is done (128 + SIGINT, as shells report).
const EXIT_SECOND_SIGNAL: i32 = 130;

/// SIGINT and SIGTERM raise the returned flag: the run stops reading,
/// flushes everything, lets plugins drain and writes its summary. A second
/// signal exits at once with [`EXIT_SECOND_SIGNAL`]. Registered first thing,
/// so a signal during start-up (plugins loading) stops cleanly too.
fn stop_on_signals() -> Arc<AtomicBool> {
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        // The second registration exits when the flag is already up; the
        // first raises it. (Order matters: signal-hook runs them in turn.)
        let _ = signal_hook::flag::register_conditional_shutdown(
            sig,
            EXIT_SECOND_SIGNAL,
            Arc::clone(&stop),
        );
        let _ = signal_hook::flag::register(sig, Arc::clone(&stop));
    }
    stop
}

fn main() -> ExitCode {
    let stop = stop_on_signals();
    let cli = Cli::parse();
    match cli.command {
        Command::Run(args) => run(*args, stop),
        Command::Plugin(PluginCommand::Info(args)) => plugin_info(&args),
    }
}

fn plugin_info(args: &PluginInfoArgs) -> ExitCode {
    match weir_core::plugin::info::inspect(&args.path) {
        Ok(report) => {
            let text = if args.json {
                serde_json::to_string_pretty(&report).unwrap_or_default() + "\n"
            } else {
                report.render()
            };
            use std::io::Write;
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
            ExitCode::SUCCESS
        }
        Err(e) => {
            say(&format!("weir: {e}\n"));
            ExitCode::from(1)
        }
    }
}

fn run(args: RunArgs, stop: Arc<AtomicBool>) -> ExitCode {
    match execute(&args, stop) {
        Ok(summary) => {
            if !args.quiet {
                say(&summary.render());
            }
            if summary.error.is_some() {
                ExitCode::from(1)
            } else if summary.has_warnings() {
                ExitCode::from(3)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) => {
            say(&format!("weir: {e:#}\n"));
            ExitCode::from(1)
        }
    }
}

/// Writes to stderr, ignoring a closed pipe (`weir run ... 2>&1 | head`):
/// the outputs on disk are complete either way.
fn say(text: &str) {
    use std::io::Write;
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// Where packets come from.
enum Input {
    Files(FileSource),
    Filtered(FilteredSource<FileSource>),
    Live(LiveSource),
}

fn execute(args: &RunArgs, stop: Arc<AtomicBool>) -> anyhow::Result<RunSummary> {
    // Every regular file (and the first input, whatever it is) is opened and
    // its header checked before plugins start or any packet is read, so a
    // bad third file fails the run up front; so is every interface.
    let filter = args.filter.as_deref().map(PacketFilter::new).transpose()?;
    let mut input = if args.interfaces.is_empty() {
        let files = FileSource::open(&args.pcaps)?;
        match filter {
            Some(filter) => Input::Filtered(FilteredSource::new(files, filter)),
            None => Input::Files(files),
        }
    } else {
        Input::Live(LiveSource::open(LiveConfig {
            interfaces: args.interfaces.clone(),
            promiscuous: !args.no_promisc,
            filter,
        })?)
    };
    let mut cfg = EngineConfig::new(&args.out);
    cfg.stop = Some(stop);
    cfg.interval_secs = args.interval;
    cfg.idle_timeout_secs = args.idle_timeout;
    cfg.active_timeout_secs = args.active_timeout;
    cfg.workers = args.workers as usize;
    cfg.max_flows_per_worker = args.max_flows as usize;
    cfg.queue_depth = args.queue_depth as usize;
    cfg.callback_timeout =
        (args.callback_timeout > 0).then(|| Duration::from_secs(args.callback_timeout));
    if !args.home_nets.is_empty() {
        cfg.home_nets = HomeNets::new(args.home_nets.clone());
    }
    cfg.max_keys = usize::try_from(args.max_keys).unwrap_or(usize::MAX);
    cfg.counter_groups = args.counter_groups.clone();
    cfg.reassembly = (!args.no_reassembly).then_some(Limits {
        max_bytes: (args.reassembly_memory as usize) << 20,
        timeout_secs: args.reassembly_timeout,
        max_fragments: args.reassembly_max_fragments as usize,
    });
    let extractor = match &args.extract_files {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .map_err(|e| anyhow::anyhow!("--extract-files {}: {e}", dir.display()))?;
            Some(std::sync::Arc::new(
                weir_core::proto::http::extract::Extractor::new(
                    dir.clone(),
                    args.extract_max_bytes,
                ),
            ))
        }
        None => None,
    };
    cfg.app = (!args.no_metadata).then(|| {
        let mut app = weir_core::app::AppConfig {
            http: !args.no_http,
            tls: !args.no_tls,
            dns: !args.no_dns,
            ..Default::default()
        };
        app.http_cfg.hash_bodies = !args.no_file_hashes;
        app.http_cfg.extract = extractor.clone();
        app.stream.depth = args.stream_depth.saturating_mul(1 << 20);
        app.memory_cap = (args.stream_memory as usize) << 20;
        app
    });
    let mut engine = Engine::new(cfg)?;
    for spec in &args.plugins {
        engine.load_plugin(spec)?;
    }
    let mut summary = match &mut input {
        Input::Files(source) => engine.run(source)?,
        Input::Filtered(source) => {
            let mut summary = engine.run(source)?;
            summary.filtered_out = Some(source.filtered_out());
            summary
        }
        // The kernel does not count what its filter rejects.
        Input::Live(source) => engine.run(source)?,
    };
    summary.filter = args.filter.clone();
    let json = serde_json::to_string_pretty(&summary)?;
    std::fs::write(args.out.join("summary.json"), json + "\n")?;
    Ok(summary)
}
