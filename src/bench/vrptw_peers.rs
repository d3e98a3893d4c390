//! The peers of `closedloop bench vrptw`: PyVRP, VROOM and OR-Tools through the shared
//! `vrptw_peers.py`, and vrp-cli run directly; their routes become [`Row`]s like ours.

use super::vrptw::{BenchVrptwArgs, Row, mean, opt};
use anyhow::{Context, Result, ensure};
use closedloop_planner::check::check;
use closedloop_planner::formats::{bks, sol, solomon};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// Per peer: instances with every customer served, and the means of its distance and gap next
/// to ours over the instances both of us solved (feasibly, for ours).
pub(super) fn peer_table(ours: &[Row], peers: &[(String, Vec<Row>)]) -> Vec<Vec<String>> {
    let by_name: BTreeMap<&str, &Row> = ours
        .iter()
        .filter(|r| r.feasible)
        .map(|r| (r.instance.as_str(), r))
        .collect();
    let mut out = Vec::new();
    for (peer, rows) in peers {
        let solved: Vec<&Row> = rows.iter().filter(|r| r.distance.is_some()).collect();
        let (theirs, mine): (Vec<&Row>, Vec<&Row>) = solved
            .iter()
            .filter_map(|p| by_name.get(p.instance.as_str()).map(|o| (*p, *o)))
            .unzip();
        let dist = |rows: &[&Row]| mean(rows.iter().filter_map(|r| r.distance));
        let gap = |rows: &[&Row]| mean(rows.iter().filter_map(|r| r.gap()));
        out.push(vec![
            peer.clone(),
            format!("{}/{}", solved.len(), rows.len()),
            opt(dist(&theirs), 2),
            opt(gap(&theirs), 2),
            opt(dist(&mine), 2),
            opt(gap(&mine), 2),
        ]);
    }
    out
}

/// Runs `vrptw_peers.py DIR TIME_LIMIT OUT.csv --peers LIST [--only …]` and reads its CSV
/// (`peer,instance,vehicles,distance,seconds`, distance empty when not all were served).
pub(super) fn run_peer_script(
    args: &BenchVrptwArgs,
    list: &str,
    best: &BTreeMap<String, bks::BestKnown>,
) -> Result<Vec<(String, Vec<Row>)>> {
    let Some(script) = &args.peer_script else {
        anyhow::bail!(
            "--peers needs --peer-script FILE: the peers' runner, vrptw_peers.py of the shared bench folder"
        );
    };
    ensure!(
        script.exists(),
        "{} not found (--peer-script)",
        script.display()
    );
    let dir = tempfile::tempdir()?;
    let out = dir.path().join("peers.csv");
    let mut cmd = Command::new(&args.python);
    cmd.arg(script)
        .arg(&args.instances)
        .arg(args.time_limit.to_string())
        .arg(&out)
        .args(["--peers", list]);
    if !args.only.is_empty() {
        cmd.args(["--only", &args.only.join(",")]);
    }
    // Its per-instance progress goes to our stderr; stdout keeps only the tables.
    let status = cmd
        .stdout(std::io::stderr())
        .status()
        .with_context(|| format!("cannot run {}", args.python))?;
    ensure!(status.success(), "{} failed ({status})", script.display());
    let text = std::fs::read_to_string(&out)?;
    parse_peer_csv(&text, best)
}

pub fn parse_peer_csv(
    text: &str,
    best: &BTreeMap<String, bks::BestKnown>,
) -> Result<Vec<(String, Vec<Row>)>> {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let mut by_peer: Vec<(String, Vec<Row>)> = Vec::new();
    for (i, rec) in r.records().enumerate() {
        let rec = rec?;
        let field = |k: usize| rec.get(k).unwrap_or("").trim();
        let line = i + 2;
        let parse = |k: usize, what: &str| -> Result<f64> {
            field(k)
                .parse()
                .with_context(|| format!("peer CSV line {line}: {what} {:?}", field(k)))
        };
        let distance = if field(3).is_empty() {
            None
        } else {
            Some(parse(3, "distance")?)
        };
        let row = Row {
            instance: field(1).to_string(),
            vehicles: parse(2, "vehicles")? as usize,
            distance,
            bks: best.get(field(1)).map(|b| b.distance),
            seconds: parse(4, "seconds")?,
            feasible: distance.is_some(),
        };
        match by_peer.iter_mut().find(|(p, _)| p == field(0)) {
            Some((_, rows)) => rows.push(row),
            None => by_peer.push((field(0).to_string(), vec![row])),
        }
    }
    Ok(by_peer)
}

/// `vrp-cli solve solomon FILE --max-time S --out-result OUT` per instance; its routes are read
/// back and replayed by our checker, so its distance counts only when the checker agrees.
pub(super) fn run_vrp_cli(
    exe: &Path,
    time_limit: f64,
    files: &[(String, PathBuf)],
    best: &BTreeMap<String, bks::BestKnown>,
) -> Vec<Row> {
    let mut rows = Vec::new();
    let Ok(dir) = tempfile::tempdir() else {
        return rows;
    };
    // vrp-cli takes whole seconds.
    let secs = (time_limit.ceil() as u64).max(1).to_string();
    for (name, path) in files {
        let problem = match solomon::read(path) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("vrp-cli {name}: {e}");
                continue;
            }
        };
        let out = dir.path().join(format!("{name}.sol"));
        let started = Instant::now();
        let result = Command::new(exe)
            .args(["solve", "solomon"])
            .arg(path)
            .args(["--max-time", &secs, "--out-result"])
            .arg(&out)
            .stdout(std::io::stderr())
            .status();
        let seconds = started.elapsed().as_secs_f64();
        let read = match result {
            Ok(s) if s.success() => sol::read(&out, &problem).map_err(anyhow::Error::from),
            Ok(s) => Err(anyhow::anyhow!("exit {s}")),
            Err(e) => Err(anyhow::Error::from(e)),
        };
        let row = match read {
            Ok(read) => {
                let report = check(&problem, &read.solution);
                for v in report.violations.iter().take(3) {
                    eprintln!("vrp-cli {name}: {v}");
                }
                let ok = report.is_feasible();
                Row {
                    instance: name.clone(),
                    vehicles: report.vehicles,
                    distance: ok.then_some(report.distance),
                    bks: best.get(name).map(|b| b.distance),
                    seconds,
                    feasible: ok,
                }
            }
            Err(e) => {
                eprintln!("vrp-cli {name}: {e:#}");
                Row {
                    instance: name.clone(),
                    vehicles: 0,
                    distance: None,
                    bks: best.get(name).map(|b| b.distance),
                    seconds,
                    feasible: false,
                }
            }
        };
        rows.push(row);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::super::vrptw::tests::row;
    use super::*;

    #[test]
    fn peers_are_read_and_compared_on_the_instances_both_solved() {
        let best = bks::parse(
            "instance,vehicles,distance,source\nA,1,100,x\nB,1,200,x\n",
            "bks.csv",
        )
        .unwrap();
        let text = "peer,instance,vehicles,distance,seconds\n\
                    pyvrp,A,3,110.000,1.00\npyvrp,B,4,,1.00\nvroom,A,3,105.000,0.20\n";
        let peers = parse_peer_csv(text, &best).unwrap();
        assert_eq!(peers.len(), 2);
        assert_eq!(peers[0].0, "pyvrp");
        assert_eq!(peers[0].1[1].distance, None);
        let ours = [
            row("A", Some(102.0), Some(100.0), true),
            row("B", Some(204.0), Some(200.0), true),
        ];
        let t = peer_table(&ours, &peers);
        assert_eq!(t[0], ["pyvrp", "1/2", "110.00", "10.00", "102.00", "2.00"]);
        assert_eq!(t[1], ["vroom", "1/1", "105.00", "5.00", "102.00", "2.00"]);
        assert!(
            parse_peer_csv(
                "peer,instance,vehicles,distance,seconds\np,A,x,1,1\n",
                &best
            )
            .unwrap_err()
            .to_string()
            .contains("line 2: vehicles")
        );
    }

    #[test]
    fn the_peer_script_is_called_with_the_contract_arguments() {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("peers.py");
        // Echoes its arguments into the CSV it was asked to write.
        std::fs::write(
            &script,
            "import sys\nopen(sys.argv[3], 'w').write('peer,instance,vehicles,distance,seconds\\n'\n\
             + 'echo,\"' + '|'.join(sys.argv[1:3] + sys.argv[4:]) + '\",1,,0.5\\n')\n",
        )
        .unwrap();
        let args = BenchVrptwArgs {
            instances: PathBuf::from("DIR"),
            time_limit: 2.5,
            bks: None,
            csv: None,
            solutions: None,
            seed: 1,
            threads: None,
            only: vec!["C101".into(), "R101".into()],
            peers: Some("pyvrp".into()),
            python: "python3".into(),
            peer_script: Some(script),
            vrp_cli: None,
        };
        let got = run_peer_script(&args, "pyvrp", &BTreeMap::new()).unwrap();
        assert_eq!(got[0].0, "echo");
        assert_eq!(
            got[0].1[0].instance,
            "DIR|2.5|--peers|pyvrp|--only|C101,R101"
        );
        assert_eq!(got[0].1[0].distance, None);
    }
}
