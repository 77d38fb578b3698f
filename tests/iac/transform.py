"""Run AWS's SAM transform offline (in .venv-iac, see Makefile): SAM template (YAML) in, CloudFormation JSON out.

    .venv-iac/bin/python tests/iac/transform.py build/sam/sam.yaml transformed.json [region]

The translator is the library CloudFormation runs server-side for `Transform: AWS::Serverless-2016-10-31`;
it needs no AWS access when no function names an AWS managed policy (ours have their own roles).
"""

import json
import os
import sys

import yaml
from samtranslator.translator.transform import transform


class NoManagedPolicies:
    def load(self) -> dict:
        return {}


class _Loader(yaml.SafeLoader):
    pass


def main(source: str, target: str, region: str = "ap-southeast-7") -> None:
    with open(source, encoding="utf-8") as f:
        template = yaml.load(f, Loader=_Loader)  # the packaged template has no short-form tags
    for resource in template["Resources"].values():  # what `sam package` does: the zip goes to S3
        if resource["Type"] == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = "s3://prachakhom-artifacts/deployment.zip"
    parameters = {"AWS::Region": region, "AWS::Partition": "aws", "AWS::AccountId": "123456789012",
                  "AWS::StackName": "prachakhom-prod", "AWS::StackId": "stack", "AWS::URLSuffix": "amazonaws.com",
                  "AWS::NotificationARNs": []}
    os.environ["AWS_DEFAULT_REGION"] = region  # the translator reads pseudo parameters from a boto session
    out = transform(template, parameters, NoManagedPolicies())
    with open(target, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
