"""Shared fixture of the network tests."""

import numpy as np
import pandas as pd
import pytest
from rdkit import Chem, RDLogger
from rdkit.Chem import rdFingerprintGenerator


@pytest.fixture(scope="session")
def qm9(shared_data):
    """2,000 QM9 molecules: 1024-bit Morgan count fingerprints and heat capacity Cv."""
    path = shared_data / "qm9_qm9pack" / "qm9.csv.gz"
    df = pd.read_csv(path, usecols=["SMILES", "Heatcapacity_Cv_cal_mol_K"], nrows=20000)
    df = df.sample(2000, random_state=0)
    RDLogger.DisableLog("rdApp.*")
    gen = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=1024)
    X = np.stack([gen.GetCountFingerprintAsNumPy(Chem.MolFromSmiles(s)) for s in df["SMILES"]])
    return X.astype(np.float32), df["Heatcapacity_Cv_cal_mol_K"].to_numpy()
