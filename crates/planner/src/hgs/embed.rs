//! Pseudo-coordinates for a problem given only by its matrix: classical multidimensional
//! scaling onto the plane. The search needs directions around the depot (route sectors for
//! SWAP*, route order for the crossover), and for Euclidean instances this recovers the map up
//! to rotation and reflection, which preserve the circular order of directions.

use super::rng::Rng;

/// Two coordinates per node from the `n × n` row-major distance matrix `d` (made symmetric).
pub(crate) fn plane(n: usize, d: &[f64]) -> Vec<(f64, f64)> {
    if n <= 2 {
        return (0..n).map(|i| (i as f64, 0.0)).collect();
    }
    // Squared symmetric distances, and their row means for the double centring
    // B = -1/2 (D² - r 1ᵀ - 1 rᵀ + g 1 1ᵀ), applied without forming B.
    let mut sq = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            let v = 0.5 * (d[i * n + j] + d[j * n + i]);
            sq[i * n + j] = v * v;
        }
    }
    let row: Vec<f64> = (0..n)
        .map(|i| sq[i * n..(i + 1) * n].iter().sum::<f64>() / n as f64)
        .collect();
    let grand = row.iter().sum::<f64>() / n as f64;
    let apply = |v: &[f64], out: &mut [f64]| {
        let s: f64 = v.iter().sum();
        let rv: f64 = row.iter().zip(v).map(|(a, b)| a * b).sum();
        for i in 0..n {
            let dv: f64 = sq[i * n..(i + 1) * n]
                .iter()
                .zip(v)
                .map(|(a, b)| a * b)
                .sum();
            out[i] = -0.5 * (dv - row[i] * s - rv + grand * s);
        }
    };
    // Power iteration for the two leading eigenpairs; the second deflated against the first.
    // Few iterations suffice: only directions matter, not precise eigenvalues.
    let iterations = if n <= 1500 { 60 } else { 20 };
    let mut rng = Rng::new(0x5eed);
    let mut vecs: Vec<(Vec<f64>, f64)> = Vec::new();
    let mut tmp = vec![0.0; n];
    for _ in 0..2 {
        let mut v: Vec<f64> = (0..n).map(|_| rng.unit() - 0.5).collect();
        let mut lambda = 0.0;
        for _ in 0..iterations {
            for (u, _) in &vecs {
                let dot: f64 = u.iter().zip(&v).map(|(a, b)| a * b).sum();
                v.iter_mut().zip(u).for_each(|(x, y)| *x -= dot * y);
            }
            apply(&v, &mut tmp);
            let norm = tmp.iter().map(|x| x * x).sum::<f64>().sqrt();
            if norm < 1e-300 {
                break;
            }
            lambda = norm;
            v.iter_mut().zip(&tmp).for_each(|(x, y)| *x = y / norm);
        }
        vecs.push((v, lambda));
    }
    let (a, la) = &vecs[0];
    let (b, lb) = &vecs[1];
    let (sa, sb) = (la.sqrt(), lb.sqrt());
    (0..n).map(|i| (a[i] * sa, b[i] * sb)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_euclidean_distances() {
        let pts = [(0.0, 0.0), (3.0, 0.0), (0.0, 4.0), (5.0, 5.0), (-2.0, 1.0)];
        let n = pts.len();
        let mut d = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                let (a, b): ((f64, f64), (f64, f64)) = (pts[i], pts[j]);
                d[i * n + j] = (a.0 - b.0).hypot(a.1 - b.1);
            }
        }
        let xy = plane(n, &d);
        for i in 0..n {
            for j in 0..n {
                let e = (xy[i].0 - xy[j].0).hypot(xy[i].1 - xy[j].1);
                assert!((e - d[i * n + j]).abs() < 1e-6, "{i} {j}: {e}");
            }
        }
    }
}
